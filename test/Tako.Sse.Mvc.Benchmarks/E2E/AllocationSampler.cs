using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Tako.Sse.Mvc.Benchmarks.E2E;

/// <summary>
/// Names what this process allocates while it is alive, from the runtime's sampled allocation events
/// (about one event per 100 KB allocated, carrying the type of the object that crossed the mark).
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const int GcKeyword = 0x1;
    private readonly ConcurrentDictionary<string, long> _bytesByType = new();

    /// <summary>Gets the sampled bytes per type, largest first, as "type ~N KB".</summary>
    public string Top(int count) =>
        _bytesByType.IsEmpty
            ? "nothing sampled"
            : string.Join(", ", _bytesByType.OrderByDescending(p => p.Value).Take(count).Select(p => $"{p.Key} ~{p.Value / 1024:N0} KB"));

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        // GCAllocationTick_V4 and later: AllocationAmount64 (bytes since the last tick) and TypeName.
        if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || eventData.PayloadNames is null)
        {
            return;
        }

        var amount = eventData.PayloadNames.IndexOf("AllocationAmount64");
        var type = eventData.PayloadNames.IndexOf("TypeName");
        if (amount >= 0 && type >= 0 && eventData.Payload![type] is string name && eventData.Payload[amount] is ulong bytes)
        {
            _bytesByType.AddOrUpdate(name, (long)bytes, (_, total) => total + (long)bytes);
        }
    }
}
