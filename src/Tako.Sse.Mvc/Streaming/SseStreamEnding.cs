using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc;

/// <summary>
/// Says, once, who ended a stream that its source did not finish: the request's credential expiring
/// (<see cref="SseAuthenticationExpiry"/>), the application stopping, or the client leaving. Used by
/// <see cref="SseStream"/> as its last step.
/// </summary>
internal static class SseStreamEnding
{
    /// <param name="logger">The stream's logger.</param>
    /// <param name="metrics">Counts the streams a credential's expiry ended.</param>
    /// <param name="timedOut">Whether a write timed out (logged already, where it was decided).</param>
    /// <param name="expired">The expiry that ended the stream, or <see langword="null"/>.</param>
    /// <param name="applicationStopping">The host's stopping token.</param>
    /// <param name="requestAborted">The request's aborted token.</param>
    public static void Report(
        ILogger logger,
        SseMetrics metrics,
        bool timedOut,
        SseAuthenticationExpiry? expired,
        CancellationToken applicationStopping,
        CancellationToken requestAborted)
    {
        if (timedOut)
        {
            // Logged with its own event (SseWriteTimedOut); the abort also cancels RequestAborted.
            return;
        }

        // The stream's own cancel (the expiry's) cancels none of the original tokens, which are asked next.
        if (expired is not null)
        {
            metrics.AuthenticationExpired();
            Log.AuthenticationExpired(logger, expired.ExpiresUtc);
        }
        else if (applicationStopping.IsCancellationRequested)
        {
            Log.StoppedByShutdown(logger);
        }
        else if (requestAborted.IsCancellationRequested)
        {
            Log.ClientDisconnected(logger);
        }
    }
}
