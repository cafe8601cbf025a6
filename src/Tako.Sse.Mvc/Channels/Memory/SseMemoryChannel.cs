namespace Tako.Sse.Mvc;

/// <summary>
/// One channel of the in-memory hub: its history and its subscribers, both guarded by <see cref="Gate"/>.
/// Holding the lock while a frame is appended and handed to every subscriber is what makes history order the
/// delivery order, and what makes a new subscriber's history snapshot and its registration one atomic step.
/// </summary>
/// <param name="name">The channel's name.</param>
/// <param name="floor">Where its history starts (see <see cref="SseChannelFloors"/>).</param>
internal sealed class SseMemoryChannel(string name, long floor)
{
    public string Name { get; } = name;

    public Lock Gate { get; } = new();

    public SseChannelHistory History { get; } = new(floor);

    public SseSubscriberSet Subscribers { get; } = new();

    /// <summary>
    /// Gets or sets whether the channel has left the hub's table. Set under the lock; whoever finds it set
    /// after taking the lock looks the channel up again (the table may hold a new one by then).
    /// </summary>
    public bool Removed { get; set; }

    /// <summary>Under the lock: marks a channel with no subscriber and no history as removed; true if it is.</summary>
    public bool MarkRemovedIfEmpty()
    {
        if (Subscribers.Count == 0 && History.Count == 0)
        {
            Removed = true;
        }

        return Removed;
    }
}
