using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Action;

/// <summary>Waits for and inspects the captured log of a <see cref="TestApp"/>.</summary>
internal static class ActionLogs
{
    public const string Category = "Tako.Sse.Mvc.SseActionResult";

    // Hosting's "Request finished" (event 2) is written after everything else a request logs.
    private const string HostingCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public static Task WaitForRequestsFinishedAsync(this FakeLogCollector logs, int count) =>
        Poll.UntilAsync(() => logs.RequestsFinished() >= count, $"{count} finished requests");

    public static int RequestsFinished(this FakeLogCollector logs) =>
        logs.GetSnapshot().Count(r => r.Category == HostingCategory && r.Id.Id == 2);

    public static Task WaitForAsync(this FakeLogCollector logs, string eventName) =>
        Poll.UntilAsync(() => logs.GetSnapshot().Any(r => r.Id.Name == eventName), $"log event {eventName}");

    public static IEnumerable<FakeLogRecord> Above(this FakeLogCollector logs, LogLevel level) =>
        logs.GetSnapshot().Where(r => r.Level > level);

    public static string Describe(this IEnumerable<FakeLogRecord> records) =>
        string.Join("; ", records.Select(r => $"{r.Level} {r.Category}[{r.Id}] {r.Message}"));
}
