namespace Tako.Sse.Mvc;

/// <summary>
/// Starts work that outlives the request it is started from (a hub's sweep timer, a backplane's channel loop,
/// the shared timer wheel's tick) without that request's <see cref="ExecutionContext"/>.
/// </summary>
/// <remarks>
/// A timer or a task captures the <see cref="ExecutionContext"/> it is created in and runs in it: the first
/// request's AsyncLocals (its Activity, logging scopes, whatever the app stored) would live, and flow into every
/// later callback, for the life of the process. Hubs and the wheel are created lazily, often inside a request.
/// Safe to call when the flow is suppressed already (<see cref="ExecutionContext.SuppressFlow"/> would throw).
/// </remarks>
internal static class SseBackground
{
    /// <summary>Creates a timer of <paramref name="timeProvider"/> that does not capture the caller's context.</summary>
    public static ITimer CreateTimer(TimeProvider timeProvider, TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (ExecutionContext.IsFlowSuppressed())
        {
            return timeProvider.CreateTimer(callback, state, dueTime, period);
        }

        using (ExecutionContext.SuppressFlow())
        {
            return timeProvider.CreateTimer(callback, state, dueTime, period);
        }
    }

    /// <summary>Runs <paramref name="work"/> on the thread pool without the caller's context.</summary>
    public static Task Run(Func<Task> work)
    {
        if (ExecutionContext.IsFlowSuppressed())
        {
            return Task.Run(work);
        }

        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(work);
        }
    }
}
