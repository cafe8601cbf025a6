using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Tako.Sse.Mvc.IntegrationTests.Action;

/// <summary>The host stops: every open stream ends, and shutdown does not wait for them.</summary>
public class ActionShutdownTests
{
    [Fact]
    public async Task StopAsync_HundredOpenStreams_EndsEveryStreamPromptly()
    {
        // Were the streams to hold the host, StopAsync would take the whole (long) shutdown timeout.
        await using var app = await ActionApp.StartAsync(services: s => s.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(2)));
        var responses = await Task.WhenAll(Enumerable.Range(0, 90).Select(_ => app.Client.OpenAsync("/action/silent"))
            .Concat(Enumerable.Range(0, 10).Select(_ => app.Client.OpenAsync("/action/ignoring"))));
        await app.Probe().WaitForAsync("started", 90);
        var bodies = responses.Select(r => r.ReadAllAsync()).ToList();

        var stopwatch = Stopwatch.StartNew();
        await app.App.StopAsync();
        stopwatch.Stop();

        // Generous: the point is "not the shutdown timeout", on a loaded 2-core machine.
        stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20));
        var received = await Task.WhenAll(bodies);
        received.Take(90).Should().AllSatisfy(items => items.Should().BeEmpty());
        received.Skip(90).Should().AllSatisfy(items => items.Select(i => i.Data).Should().Equal("first"));
        await app.Probe().WaitForAsync("cancelled", 90);
        await app.Probe().WaitForAsync("disposed", 90);
        foreach (var response in responses)
        {
            response.Dispose();
        }

        app.Probe().Open("ignoring");
        await app.Probe().WaitForAsync("disposed", 100);
    }
}
