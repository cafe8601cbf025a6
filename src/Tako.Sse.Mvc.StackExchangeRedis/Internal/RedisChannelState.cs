namespace Tako.Sse.Mvc;

/// <summary>
/// One channel this instance serves, the one entry of the hub's table for it (<see cref="RedisChannelTable"/>):
/// its local subscribers, its pub/sub subscription and the cursor, the id of the last entry it handed to those
/// subscribers. Every delivery moves the cursor under <see cref="Gate"/>; a subscriber registered under the same
/// lock knows that it gets every entry after the cursor live.
/// </summary>
internal sealed class RedisChannelState(string name)
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _placed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _heard;

    public string Name { get; } = name;

    /// <summary>Guards the cursor, <see cref="Removed"/> and <see cref="Subscribers"/>.</summary>
    public Lock Gate { get; } = new();

    /// <summary>Gets this instance's subscribers of the channel.</summary>
    public SseSubscriberSet Subscribers { get; } = new();

    /// <summary>Serializes announcements and catch-up: one of them at a time moves the cursor.</summary>
    public SemaphoreSlim Sync { get; } = new(1, 1);

    /// <summary>Gets or sets the id of the last entry delivered here; <see langword="null"/> until the subscription is in place.</summary>
    public RedisStreamId? Cursor { get; set; }

    /// <summary>Gets the cursor the subscription started from (valid once <see cref="Ready"/> has completed).</summary>
    public RedisStreamId InitialCursor { get; private set; }

    /// <summary>Completes once the subscription is in place and the cursor set; canceled when the state is removed.</summary>
    public Task Ready => _ready.Task;

    /// <summary>
    /// Completes once the instance has read the stream's newest id, the point after which it delivers every entry
    /// to the subscribers registered here (it may still be subscribing); canceled when the state is removed.
    /// A response that opens after this misses nothing published after it opened.
    /// </summary>
    public Task Placed => _placed.Task;

    /// <summary>Gets or sets whether the state has left the table (under <see cref="Gate"/>); a registration then looks again.</summary>
    public bool Removed { get; set; }

    /// <summary>Gets how many announcements the subscription has handed in (counted by the channel's loop).</summary>
    public long Heard => Volatile.Read(ref _heard);

    /// <summary>Gets or sets <see cref="Heard"/> as the last sweep saw it (the sweep's own).</summary>
    public long HeardAtSweep { get; set; }

    /// <summary>Counts an announcement the subscription handed in.</summary>
    public void CountHeard() => Interlocked.Increment(ref _heard);

    /// <summary>Gets or sets how many sweeps in a row found no subscriber here.</summary>
    public int IdleSweeps { get; set; }

    /// <summary>Gets or sets whether a catch-up failed and must be tried again.</summary>
    public bool NeedsCatchUp { get; set; }

    /// <summary>Gets or sets the task that subscribes and handles the announcements; it ends once the state is off the channel.</summary>
    public Task? Run { get; set; }

    /// <summary>
    /// Gets or sets the node that holds the channel's sharded subscription, as last seen (at subscription, then by
    /// each sweep); <see langword="null"/> for classic pub/sub.
    /// </summary>
    public System.Net.EndPoint? SubscribedAt { get; set; }

    /// <summary>Gets or sets the subscription's message queue (StackExchange.Redis keeps its order).</summary>
    public StackExchange.Redis.ChannelMessageQueue? Queue { get; set; }

    /// <summary>
    /// Under <see cref="Gate"/>: moves the cursor to <paramref name="id"/> and delivers <paramref name="frame"/> (none
    /// for an entry this hub did not write) to the subscribers; the caller drains <see cref="Subscribers"/> after
    /// the lock (<see cref="SseSubscriberSet.DrainAsync"/>).
    /// </summary>
    public void Deliver(RedisStreamId id, SseChannelFrame? frame)
    {
        Cursor = id;
        if (frame is not null)
        {
            Subscribers.Deliver(frame);
        }
    }

    /// <summary>Gets the stream's newest id as the instance read it first (valid once <see cref="Placed"/> has completed).</summary>
    public RedisStreamId PlacedAt { get; private set; }

    /// <summary>The stream's newest id is known: the subscription will start from it (see <see cref="Placed"/>).</summary>
    public void Place(RedisStreamId newest)
    {
        if (!_placed.Task.IsCompleted)
        {
            PlacedAt = newest;
            _placed.TrySetResult();
        }
    }

    /// <summary>Under <see cref="Gate"/>: sets the starting cursor and releases whoever waits for it.</summary>
    public void Start(RedisStreamId newest)
    {
        Cursor = newest;
        InitialCursor = newest;
        _ready.TrySetResult();
    }

    public void Cancel()
    {
        _placed.TrySetCanceled();
        _ready.TrySetCanceled();
    }

    /// <summary>Unsubscribes the channel's pub/sub subscription, if it got that far. Never throws.</summary>
    public async Task UnsubscribeAsync()
    {
        if (Queue is { } queue)
        {
            try
            {
                await queue.UnsubscribeAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is StackExchange.Redis.RedisException or TimeoutException or ObjectDisposedException)
            {
                // The connection is down or closing: the subscription is gone with it, or is dropped on reconnect
                // only if still registered; either way nothing is delivered for a released state.
            }
        }
    }
}
