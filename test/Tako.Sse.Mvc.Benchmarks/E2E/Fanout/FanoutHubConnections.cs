namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>How many connections are in the hub's group (or groups, <see cref="SpreadFanoutHub"/>) now.</summary>
public sealed class FanoutHubConnections
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Joined() => Interlocked.Increment(ref _count);

    public void Left() => Interlocked.Decrement(ref _count);
}
