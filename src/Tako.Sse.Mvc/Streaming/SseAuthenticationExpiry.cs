using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace Tako.Sse.Mvc;

/// <summary>
/// <see cref="TakoSseOptions.CloseOnAuthenticationExpiration"/> for one stream: when the authentication of the
/// request expires (<c>AuthenticateResult.Properties.ExpiresUtc</c>), the stream's cancellation fires, which ends
/// the stream the way the application stopping does: the response completes normally, the source is disposed and
/// a subscriber leaves its channel. Without this a stream would keep the rights of a credential that no longer
/// opens a request.
/// </summary>
/// <remarks>
/// One timer per stream (an entry of <see cref="SseTimerWheel"/> on the system clock, no system timer), armed once
/// when the headers are out. The expiry is an instant on the wall clock, compared with
/// <see cref="TimeProvider.GetUtcNow"/>; the timer decides from that clock, not from its own due time, so a fire
/// before the instant (a due time beyond what a timer takes, a clock set back) only re-arms it for the rest.
/// The cancellation itself runs on the thread pool, never on the clock's thread.
/// </remarks>
internal sealed class SseAuthenticationExpiry
{
    private readonly TimeProvider _timeProvider;

    // Guards _state and the timer: a fire that comes as the stream ends must neither re-arm a released timer
    // nor count the stream as expired.
    private readonly Lock _gate = new();
    private CancellationTokenSource? _cancellation;
    private ITimer? _timer;
    private State _state;

    /// <param name="expiresUtc">When the request's authentication expires.</param>
    /// <param name="timeProvider">The app's clock.</param>
    public SseAuthenticationExpiry(DateTimeOffset expiresUtc, TimeProvider timeProvider)
    {
        ExpiresUtc = expiresUtc;
        _timeProvider = timeProvider;
    }

    private enum State
    {
        Running,
        Expired,
        Ended,
    }

    /// <summary>Gets when the request's authentication expires.</summary>
    public DateTimeOffset ExpiresUtc { get; }

    private TimeSpan Remaining => ExpiresUtc - _timeProvider.GetUtcNow();

    /// <summary>
    /// The expiry of <paramref name="context"/>'s authentication, or <see langword="null"/> when the option is off
    /// or the authentication carries none (anonymous, or a scheme that sets no expiry).
    /// </summary>
    public static SseAuthenticationExpiry? For(HttpContext context, bool enabled, TimeProvider timeProvider) =>
        enabled && context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Properties?.ExpiresUtc is { } expiresUtc
            ? new SseAuthenticationExpiry(expiresUtc, timeProvider)
            : null;

    /// <summary>
    /// The headers are out: arms the timer, or cancels the stream at once when the credential has expired
    /// already (the client sees the stream open and end, and reconnects as it would at a later expiry).
    /// </summary>
    /// <param name="cancellation">The stream's cancellation, cancelled at the expiry.</param>
    public void Start(CancellationTokenSource cancellation)
    {
        _cancellation = cancellation;
        var remaining = Remaining;
        if (remaining <= TimeSpan.Zero)
        {
            Expire();
            return;
        }

        lock (_gate)
        {
            _timer = SseTimerWheel.CreateTimer(_timeProvider, static state => ((SseAuthenticationExpiry)state!).OnTimer(), this);
            _timer.Change(SseTimerWheel.ClampDueTime(remaining), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Called once, as the stream ends: no cancellation after this, and the timer is released.</summary>
    /// <returns>Whether the expiry ended the stream.</returns>
    public bool End()
    {
        lock (_gate)
        {
            var expired = _state == State.Expired;
            _state = State.Ended;
            _timer?.Dispose();
            return expired;
        }
    }

    // On the clock's thread.
    private void OnTimer()
    {
        lock (_gate)
        {
            if (_state != State.Running)
            {
                return;
            }

            var remaining = Remaining;
            if (remaining > TimeSpan.Zero)
            {
                _timer!.Change(SseTimerWheel.ClampDueTime(remaining), Timeout.InfiniteTimeSpan);
                return;
            }
        }

        // Cancelling runs the source's callbacks: not on the clock.
        ThreadPool.UnsafeQueueUserWorkItem(static expiry => expiry.Expire(), this, preferLocal: false);
    }

    private void Expire()
    {
        lock (_gate)
        {
            if (_state != State.Running)
            {
                return;
            }

            _state = State.Expired;
        }

        try
        {
            _cancellation!.Cancel();
        }
        catch (Exception exception) when (exception is ObjectDisposedException or AggregateException)
        {
            // The stream has just ended on its own, or a callback of the source threw: it is over either way.
        }
    }
}
