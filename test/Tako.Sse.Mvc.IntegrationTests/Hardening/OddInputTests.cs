using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tako.Sse.Mvc.IntegrationTests.Action;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Hardening;

/// <summary>Settings and registrations at the edges: an absurd keep-alive, an executor of the application's own.</summary>
public class OddInputTests
{
    [Fact]
    public async Task SseActionResult_KeepAliveTimeSpanMaxValue_StreamWorksAndNeverSendsAKeepAlive()
    {
        var time = new ObservableTimeProvider();
        // The options refuse anything over an hour at start-up; a result's own KeepAlive is not validated.
        await using var app = await ActionApp.StartAsync(_ => { }, time);
        using var response = await app.Client.OpenAsync("/action/gated?ready=1&maxKeepAlive=true");
        await using var raw = await RawEventStream.OpenAsync(response);
        await raw.ReadThroughAsync("data: ready 1\n\n");
        await app.Probe().WaitForAsync("gated.waiting");
        await time.WaitForArmingsAsync(1);

        // Clamped to the longest due time a timer takes (about 49 days): in effect, never.
        time.Advance(TimeSpan.FromDays(30));
        app.Probe().Open("gate");

        (await raw.ReadToEndAsync()).Should().Be("data: after\n\n", "no keep-alive in between, and the stream ends normally");
        await app.Probe().WaitForAsync("disposed");
        app.Logs.Above(LogLevel.Information).Should().BeEmpty();
    }

    [Fact]
    public async Task IResultExecuteAsync_ApplicationRegisteredItsOwnExecutor_MinimalApiUsesIt()
    {
        await using var app = await ActionApp.StartAsync(
            services: s => s.AddSingleton<IActionResultExecutor<SseActionResult>, PlainTextExecutor>(),
            endpoints: a => a.MapGet("/hardening/minimal", () => new SseActionResult(Events())));

        using var timeout = new CancellationTokenSource(Poll.Deadline);
        (await app.Client.GetStringAsync("/hardening/minimal", timeout.Token)).Should().Be("custom executor at /hardening/minimal");

        static async IAsyncEnumerable<SseEvent> Events()
        {
            yield return SseEvent.FromData("never sent");
            await Task.CompletedTask;
        }
    }

    private sealed class PlainTextExecutor : IActionResultExecutor<SseActionResult>
    {
        public Task ExecuteAsync(ActionContext context, SseActionResult result)
        {
            context.HttpContext.Response.ContentType = "text/plain";
            return context.HttpContext.Response.WriteAsync("custom executor at " + context.HttpContext.Request.Path);
        }
    }
}
