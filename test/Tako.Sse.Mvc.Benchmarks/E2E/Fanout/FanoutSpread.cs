namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>
/// The channels of the fanout-cluster run on one server: each new subscriber (an SSE stream on
/// <c>fanout/spread</c> or a connection to <see cref="SpreadFanoutHub"/>) takes the next one in turn, so that
/// every channel gets the same number of subscribers on every instance.
/// </summary>
public sealed class FanoutSpread
{
    private int _next = -1;

    /// <summary>Gets or sets the channels, set before the first subscriber arrives.</summary>
    public IReadOnlyList<string> Channels { get; set; } = [];

    public string Next() => Channels[(int)((uint)Interlocked.Increment(ref _next) % (uint)Channels.Count)];
}
