using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc.IntegrationTests.Action;

/// <summary>The source throws: one error entry, and the client sees a normal end of stream.</summary>
public class ActionSourceFailureTests
{
    [Fact]
    public async Task SseActionResult_SourceThrows_LogsOneErrorAndEndsTheBodyCleanly()
    {
        await using var app = await ActionApp.StartAsync();
        using var response = await app.Client.OpenAsync("/action/throws");

        // ReadAllAsync would throw if the body ended abnormally (a reset, a truncated chunk).
        var items = await response.ReadAllAsync();

        items.Select(i => i.Data).Should().Equal("one");
        await app.Logs.WaitForRequestsFinishedAsync(1);
        await app.Probe().WaitForAsync("disposed");
        var problems = app.Logs.Above(LogLevel.Information).ToList();
        problems.Should().ContainSingle("only our entry, no second exception from MVC or Kestrel: {0}", problems.Describe());
        var entry = problems[0];
        entry.Level.Should().Be(LogLevel.Error);
        entry.Category.Should().Be(ActionLogs.Category);
        entry.Id.Should().Be(new EventId(1, "SseSourceFailed"));
        entry.Exception.Should().BeOfType<InvalidOperationException>().Which.Message.Should().Be("source failed on purpose");
    }
}
