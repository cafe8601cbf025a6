using System.Collections.Concurrent;

namespace Tako.Sse.Mvc;

/// <summary>
/// The subscription table: one <see cref="RedisChannelState"/> per channel this instance serves, whatever the
/// number of its local subscribers, with the task that subscribes and reads its announcements. The only
/// per-channel table of the Redis hub.
/// </summary>
/// <remarks>
/// Getting off a channel: StackExchange.Redis keeps one subscription per channel per multiplexer, so the
/// UNSUBSCRIBE of a released state racing the SUBSCRIBE of a new state for the same channel can leave the new
/// one registered in the multiplexer but not on the server, where it would never hear an announcement. So a
/// state created for a channel whose previous state is still getting off it is started only after that
/// (<see cref="Release"/>).
/// </remarks>
/// <param name="run">Subscribes a new state and reads its announcements until it is released; given the previous state's retirement, if any, to wait for first.</param>
internal sealed class RedisChannelTable(Func<RedisChannelState, Task?, Task> run)
{
    private readonly ConcurrentDictionary<string, RedisChannelState> _states = new(StringComparer.Ordinal);

    // Released states still getting off their channel.
    private readonly ConcurrentDictionary<string, Task> _retiring = new(StringComparer.Ordinal);

    /// <summary>Gets the channels this instance is subscribed to (or subscribing to).</summary>
    public int Count => _states.Count;

    /// <summary>Gets every state, without a snapshot.</summary>
    public IEnumerable<RedisChannelState> States
    {
        get
        {
            foreach (var pair in _states)
            {
                yield return pair.Value;
            }
        }
    }

    public bool TryGet(string channel, out RedisChannelState state) => _states.TryGetValue(channel, out state!);

    /// <summary>Gets the channel's state, subscribing when it is new. The caller re-checks <see cref="RedisChannelState.Removed"/> under its lock.</summary>
    public RedisChannelState GetOrAdd(string channel)
    {
        if (_states.TryGetValue(channel, out var found))
        {
            return found;
        }

        var created = new RedisChannelState(channel);
        var winner = _states.GetOrAdd(channel, created);
        if (ReferenceEquals(winner, created))
        {
            var retiring = _retiring.TryGetValue(channel, out var previous) ? previous : null;

            // Often inside the first request for the channel: the loop must not carry that request's context.
            created.Run = SseBackground.Run(() => run(created, retiring));
        }

        return winner;
    }

    /// <summary>Takes a state marked <see cref="RedisChannelState.Removed"/> out of the table and off its channel.</summary>
    public void Release(RedisChannelState state)
    {
        state.Cancel();

        // Registered before the state leaves the table, so a state created for the channel after that finds it.
        var retired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _retiring[state.Name] = retired.Task;
        _ = RetireAsync(state, retired);
        _states.TryRemove(new KeyValuePair<string, RedisChannelState>(state.Name, state));
    }

    /// <summary>Cancels every state (the hub is stopping).</summary>
    public void CancelAll()
    {
        foreach (var pair in _states)
        {
            pair.Value.Cancel();
        }
    }

    // Unsubscribing ends the read loop of a state that got that far; a state still subscribing unsubscribes
    // itself once it sees it was released, and its run ends then. Never faults.
    private async Task RetireAsync(RedisChannelState state, TaskCompletionSource retired)
    {
        await state.UnsubscribeAsync().ConfigureAwait(false);
        if (state.Run is { } running)
        {
            await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _retiring.TryRemove(new KeyValuePair<string, Task>(state.Name, retired.Task));
        retired.SetResult();
    }
}
