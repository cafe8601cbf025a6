using StackExchange.Redis;

namespace Tako.Sse.Mvc;

// Getting off a channel. StackExchange.Redis keeps one subscription per channel per multiplexer: the UNSUBSCRIBE
// of a released state racing the SUBSCRIBE of a new state for the same channel can leave the new one registered
// in the multiplexer but not on the server, where it would never hear an announcement. So a state created for a
// channel whose previous state is still getting off it waits for that first (_retiring).
internal sealed partial class RedisSubscriptions
{
    // Registered before the state leaves the table, so a state created for the channel after that finds it.
    private void Retire(RedisChannelState state)
    {
        var retired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _retiring[state.Name] = retired.Task;
        _ = RetireAsync(state, retired);
    }

    // Unsubscribing ends the read loop of a state that got that far; a state still subscribing unsubscribes
    // itself once it sees it was released, and its run ends then. Never faults.
    private async Task RetireAsync(RedisChannelState state, TaskCompletionSource retired)
    {
        await UnsubscribeAsync(state).ConfigureAwait(false);
        if (state.Run is { } run)
        {
            await run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _retiring.TryRemove(new KeyValuePair<string, Task>(state.Name, retired.Task));
        retired.SetResult();
    }

    // A SUBSCRIBE that failed may still have left its queue registered in the multiplexer (to be resubscribed on
    // reconnect), where nobody would read it and it would fill up. This instance has one subscription per
    // channel, so dropping every handler of the channel drops exactly that one before the next attempt.
    private async Task ForgetFailedSubscriptionAsync(RedisChannelState state)
    {
        try
        {
            if (_hub.Connection.Current is { } multiplexer && _hub.PubSub.IsKnown)
            {
                await multiplexer.GetSubscriber().UnsubscribeAsync(_hub.Keys.Announcements(state.Name, _hub.PubSub.IsSharded)).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Still down: the local registration is gone all the same, and there is nothing to tell the server.
        }
    }

    private async Task UnsubscribeAsync(RedisChannelState state)
    {
        if (state.Queue is { } queue)
        {
            try
            {
                await queue.UnsubscribeAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException or ObjectDisposedException)
            {
                // The connection is down or closing: the subscription is gone with it, or is dropped on reconnect
                // only if still registered; either way nothing is delivered for a released state.
            }
        }
    }
}
