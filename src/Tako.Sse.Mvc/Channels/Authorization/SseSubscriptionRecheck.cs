using Microsoft.AspNetCore.Http;

namespace Tako.Sse.Mvc;

/// <summary>
/// The re-check of one open subscription (<see cref="SseChannelOptions.ReauthorizeInterval"/>): first at the
/// subscription's own offset within the interval (<see cref="SseRecheckSchedule"/>), then at the interval after
/// each re-check. A refused channel is revoked (<see cref="SseSubscriber.Revoke"/>): it leaves the stream, which
/// sends its revoked event and, with no channel left, ends.
/// </summary>
/// <remarks>
/// <para>
/// One timer per stream (an entry of <see cref="SseTimerWheel"/> on the system clock), armed when the headers
/// are out. The re-check runs on the thread pool, in the request's execution context (an authorizer that reads
/// <c>IHttpContextAccessor</c> finds the request), and is bounded by <see cref="SseChannelReauthorization.Timeout"/>:
/// what has not answered by then stays, with a warning, as does a channel whose authorizer threw.
/// </para>
/// <para>
/// The authorizers get the request's <see cref="HttpContext"/>, which Kestrel reuses once the request is over, so
/// no re-check may outlive it: the watch stops when the stream ends (its token, or the subscriber's end) and is
/// disposed with the response, which cancels a re-check under way and waits for it (at most the bound).
/// </para>
/// </remarks>
internal sealed class SseSubscriptionRecheck : IAsyncDisposable
{
    private readonly SseChannelReauthorization _owner;
    private readonly HttpContext _context;
    private readonly string[] _channels;
    private readonly SseSubscriber _subscriber;
    private readonly ExecutionContext? _executionContext;
    private readonly bool[] _revoked;

    // Guards the fields below: a re-check and the end of the stream may meet.
    private readonly Lock _gate = new();
    private ITimer? _timer;
    private CancellationTokenSource? _running;
    private TaskCompletionSource? _done;
    private CancellationTokenRegistration _streamEnded;
    private bool _stopped;

    public SseSubscriptionRecheck(SseChannelReauthorization owner, HttpContext context, string[] channels, SseSubscriber subscriber)
    {
        _owner = owner;
        _context = context;
        _channels = channels;
        _subscriber = subscriber;
        _revoked = new bool[channels.Length];
        _executionContext = ExecutionContext.Capture();
    }

    /// <summary>The headers are out: arms the first re-check. <paramref name="streamEnded"/> stops the watch.</summary>
    public void Start(CancellationToken streamEnded)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            _timer = SseTimerWheel.CreateTimer(_owner.TimeProvider, static state => ((SseSubscriptionRecheck)state!).OnTimer(), this);
            _timer.Change(_owner.Schedule!.NextFirstDelay(), Timeout.InfiniteTimeSpan);
        }

        _streamEnded = streamEnded.UnsafeRegister(static state => ((SseSubscriptionRecheck)state!).Stop(), this);
    }

    public async ValueTask DisposeAsync()
    {
        var done = Stop();
        _streamEnded.Dispose();
        if (done is not null)
        {
            await done.ConfigureAwait(false);
        }
    }

    // Returns the re-check under way, if any, which has been told to stop.
    private Task? Stop()
    {
        CancellationTokenSource? running;
        Task? done;
        lock (_gate)
        {
            _stopped = true;
            _timer?.Dispose();
            running = _running;
            done = _done?.Task;
        }

        // Outside the lock: cancelling runs the authorizers' callbacks.
        try
        {
            running?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The re-check has just finished.
        }

        return done;
    }

    // On the clock's thread: the re-check runs on the thread pool, in the request's context.
    private void OnTimer() => ThreadPool.UnsafeQueueUserWorkItem(
        static recheck =>
        {
            if (recheck._executionContext is { } context)
            {
                ExecutionContext.Run(context, static state => _ = ((SseSubscriptionRecheck)state!).RunAsync(), recheck);
            }
            else
            {
                _ = recheck.RunAsync();
            }
        },
        this,
        preferLocal: false);

    private async Task RunAsync()
    {
        CancellationTokenSource running;
        TaskCompletionSource done;
        lock (_gate)
        {
            if (_stopped || _subscriber.HasEnded)
            {
                return;
            }

            // Created before any authorizer is asked, so the bound counts from now on the app's clock.
            running = new CancellationTokenSource(_owner.Timeout, _owner.TimeProvider);
            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _running = running;
            _done = done;
        }

        var remaining = _channels.Length;
        try
        {
            remaining = await RecheckAsync(running);
        }
        finally
        {
            lock (_gate)
            {
                _running = null;
                _done = null;
                if (!_stopped && remaining > 0)
                {
                    _timer!.Change(_owner.Schedule!.Interval, Timeout.InfiniteTimeSpan);
                }
            }

            running.Dispose();
            done.SetResult();
        }
    }

    // Asks about every channel still on the stream and revokes the refused ones; returns how many are left.
    private async Task<int> RecheckAsync(CancellationTokenSource running)
    {
        var slots = Enumerable.Range(0, _channels.Length).Where(slot => !_revoked[slot]).ToArray();
        var channels = Array.ConvertAll(slots, slot => _channels[slot]);
        var answers = new SseRecheckAnswer?[channels.Length];
        Task? asking = null;
        try
        {
            // WaitAsync: an authorizer that ignores its token does not hold the re-check past its bound.
            asking = _owner.AskAsync(_context, channels, answers, running.Token);
            await asking.WaitAsync(running.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (running.IsCancellationRequested)
        {
            // What it throws once it is no longer waited for is a consequence of the cancel: observed, not reported.
            _ = asking?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        lock (_gate)
        {
            if (_stopped)
            {
                return 0;
            }
        }

        var remaining = slots.Length;
        for (var i = 0; i < slots.Length; i++)
        {
            switch (Volatile.Read(ref answers[i]))
            {
                case null:
                    Log.RecheckTimedOut(_owner.Logger, channels[i], _owner.Timeout);
                    break;
                case { Refusal: null }:
                    break;
                case { Refusal: { Reason: SseSubscriptionRefusal.ReasonAuthorizerFailed } failed }:
                    Log.RecheckFailed(_owner.Logger, SseChannelAuthorization.NameOf(failed.Authorizer!), failed.Channel, failed.Exception!);
                    break;
                case { Refusal: { } refusal }:
                    var left = _subscriber.Revoke(slots[i], _owner.RevokedEvents.Create(channels[i]));
                    if (left < 0)
                    {
                        // The subscription is over.
                        return 0;
                    }

                    _revoked[slots[i]] = true;
                    remaining = left;
                    _owner.ReportRevoked(refusal, left);
                    break;
            }
        }

        return remaining;
    }
}
