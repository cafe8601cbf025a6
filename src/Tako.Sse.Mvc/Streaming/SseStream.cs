using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc;

/// <summary>
/// Runs one event stream on one response: headers first, then every item the source yields, flushed as soon
/// as the source has nothing more ready, with keep-alive comments while it is silent.
/// </summary>
/// <remarks>
/// <para>
/// Coalescing: while <c>MoveNextAsync</c> completes synchronously the source has items ready, and they are
/// encoded into the response pipe without a flush; the flush happens the moment the source would make us
/// wait (or the buffer passes <see cref="FlushThreshold"/>). A fast producer gets a few large writes, a slow
/// one gets each event on the wire at once. The first item after a wait is flushed before the source is
/// asked for the next one: a slow producer's next <c>MoveNextAsync</c> (arming its own timer, say) then
/// runs while the event is already on its way, and a burst costs one flush more.
/// </para>
/// <para>
/// Only this loop writes to the response, so writes never overlap. Nothing on the per-event path allocates:
/// the encoder writes into a pooled batch array that reaches the pipe in one <c>WriteAsync</c> per flush
/// (see <see cref="SseWriteBuffer"/>), and idle waits reuse one <see cref="SseKeepAliveSignal"/>.
/// </para>
/// <para>
/// Ending: the client leaving or the application stopping cancels the source's token and ends the response
/// at once. If the source is in the middle of a <c>MoveNextAsync</c> then (it may ignore its token), the
/// response does not wait for it: the source is disposed in the background when that call returns.
/// </para>
/// </remarks>
internal sealed class SseStream
{
    // Flush at least this often when the source keeps producing without pause, so memory stays bounded and
    // the client sees a steady flow. Just under Kestrel's default response buffer (64 KB, where FlushAsync
    // starts to wait for the socket): every flush is one large send, and the loop rarely waits. 32 KB made
    // twice the sends and hand-offs to the socket thread, and about 10% less throughput end to end.
    internal const int FlushThreshold = 60 * 1024;

    private readonly HttpContext _context;
    private readonly ISseEncoder _encoder;
    private readonly TimeSpan? _keepAlive;
    private readonly TimeSpan? _retry;
    private readonly TimeProvider _timeProvider;
    private readonly SseMetrics _metrics;
    private readonly ILogger _logger;
    private readonly CancellationToken _applicationStopping;
    private readonly PipeWriter _writer;

    // Events are encoded here and reach _writer in one write per flush: see SseWriteBuffer for why.
    private readonly SseWriteBuffer _buffer;
    private long _unflushedEvents;
    private long _eventCount;

    public SseStream(
        HttpContext context,
        ISseEncoder encoder,
        TimeSpan? keepAlive,
        TimeSpan? retry,
        TimeProvider timeProvider,
        SseMetrics metrics,
        ILogger logger,
        CancellationToken applicationStopping)
    {
        _context = context;
        _encoder = encoder;
        _keepAlive = keepAlive > TimeSpan.Zero ? keepAlive : null;
        _retry = retry;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
        _applicationStopping = applicationStopping;
        _writer = context.Response.BodyWriter;
        _buffer = new SseWriteBuffer(_writer);
    }

    public async Task RunAsync<T, TItemWriter>(IAsyncEnumerable<T> source, TItemWriter itemWriter)
        where TItemWriter : ISseItemWriter<T>
    {
        var response = _context.Response;
        if (response.HasStarted)
        {
            throw new InvalidOperationException("The response has already started; an SSE stream must set the status code and headers itself.");
        }

        response.StatusCode = StatusCodes.Status200OK;
        _encoder.ApplyHeaders(response);

        // Response compression (and any other buffering body) must pass every flush through to the client.
        _context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(_context.RequestAborted, _applicationStopping);
        var token = cancellation.Token;
        using var signal = new SseKeepAliveSignal(_timeProvider);
        using var registration = token.UnsafeRegister(static state => ((SseKeepAliveSignal)state!).Cancel(), signal);

        _metrics.StreamStarted();
        IAsyncEnumerator<T>? enumerator = null;
        ValueTask<bool> moveNext = default;

        // moveNext has been handed to the signal and not consumed: only a call to its Result may follow, once.
        var sourcePending = false;
        var sourceFinished = false;

        // Tells the source's exceptions (an Error: the application's bug) from the response's.
        var inSource = false;
        try
        {
            if (_retry is { } retry)
            {
                _encoder.Encode(SseEvent.FromRetry(retry), _writer);
            }

            // Headers (and the retry hint) go out now, before the source produces anything: EventSource fires
            // onopen and proxies see a live response.
            if (!await FlushAsync(token))
            {
                return;
            }

            inSource = true;
            enumerator = source.GetAsyncEnumerator(token);

            // Set when the item at hand is the first after a wait: it goes out before the source is asked for
            // the next one (see the remarks on coalescing).
            var firstAfterWait = false;
            while (!token.IsCancellationRequested)
            {
                moveNext = enumerator.MoveNextAsync();
                if (!moveNext.IsCompleted)
                {
                    // The source has nothing ready: everything buffered goes out before we wait, and the
                    // batch buffer goes back to the pool so an idle stream holds none.
                    inSource = false;
                    sourcePending = true;
                    moveNext.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(signal.OnSourceReady);
                    if (HasUnflushedBytes() && !await FlushAsync(token))
                    {
                        break;
                    }

                    _buffer.Release();
                    if (!await WaitForSourceAsync(signal, token))
                    {
                        break;
                    }

                    sourcePending = false;
                    inSource = true;
                    firstAfterWait = true;
                }

                if (!moveNext.Result)
                {
                    sourceFinished = true;
                    inSource = false;
                    if (HasUnflushedBytes())
                    {
                        await FlushAsync(token);
                    }

                    Log.StreamCompleted(_logger, _eventCount);
                    break;
                }

                var item = enumerator.Current;
                inSource = false;
                itemWriter.Write(item, _encoder, _buffer);
                _unflushedEvents++;
                _eventCount++;
                if ((firstAfterWait || IsFlushDue()) && !await FlushAsync(token))
                {
                    break;
                }

                firstAfterWait = false;
                inSource = true;
            }
        }
        catch (Exception) when (token.IsCancellationRequested)
        {
            // The client left or the app is stopping; whatever the source or the pipe threw is a consequence.
        }
        catch (Exception exception) when (inSource)
        {
            // The response has started: the client keeps the events it got and sees the stream end cleanly.
            sourceFinished = true;
            Log.SourceFailed(_logger, exception);
            await TryFlushAfterFailureAsync();
        }
        catch (Exception exception)
        {
            // Serializing an item, encoding or writing failed. Events encoded before it still go out if the pipe
            // works (a JSON item that fails to serialize writes nothing); a half-written frame is harmless, as
            // a client discards an event the stream ends in the middle of.
            Log.WriteFailed(_logger, exception);
            await TryFlushAfterFailureAsync();
        }
        finally
        {
            _buffer.Release();
            _metrics.StreamEnded();
            if (enumerator is not null)
            {
                if (!sourceFinished)
                {
                    // A source still running (perhaps in background work of its own) learns the stream is over.
                    TryCancel(cancellation);
                }

                if (sourcePending)
                {
                    // Disposing an enumerator during its MoveNextAsync is not allowed; let the call return first.
                    Log.SourceAbandoned(_logger);
                    _ = DisposeWhenSourceReturnsAsync(moveNext, enumerator, signal);
                }
                else
                {
                    await DisposeSourceAsync(enumerator);
                }
            }

            // Our own TryCancel above also cancels the linked token, so ask the original tokens who ended it.
            if (_applicationStopping.IsCancellationRequested)
            {
                Log.StoppedByShutdown(_logger);
            }
            else if (_context.RequestAborted.IsCancellationRequested)
            {
                Log.ClientDisconnected(_logger);
            }
        }
    }

    private static void TryCancel(CancellationTokenSource cancellation)
    {
        try
        {
            cancellation.Cancel();
        }
        catch (AggregateException)
        {
            // A callback the source registered on its token threw; the stream is over either way.
        }
    }

    private bool HasUnflushedBytes() => _buffer.WrittenCount > 0 || !_writer.CanGetUnflushedBytes || _writer.UnflushedBytes > 0;

    // Checked after every event, so it only reads our own count: asking Kestrel's pipe for its unflushed
    // bytes each time would cost more than encoding a small event.
    private bool IsFlushDue() => _buffer.UnflushedCount >= FlushThreshold;

    // Sends what is buffered. False when the client is gone and nothing more can be written.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> FlushAsync(CancellationToken token)
    {
        // The batch goes to the pipe together with its flush, in one WriteAsync: Kestrel frames it as a single
        // chunk. Write followed by FlushAsync made one chunk per 4 KB pool block, and an HttpClient reader gets
        // at most one chunk per read, so a 60 KB batch cost such a client fifteen reads instead of one.
        var batch = _buffer.Written;
        var bytes = (_writer.CanGetUnflushedBytes ? _writer.UnflushedBytes : 0) + batch.Length;
        FlushResult result;
        try
        {
            result = batch.IsEmpty ? await _writer.FlushAsync(token) : await _writer.WriteAsync(batch, token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        finally
        {
            // Only now: the pipe may read the batch until its write has completed.
            _buffer.OnFlushed();
        }

        _metrics.Sent(_unflushedEvents, bytes);
        _unflushedEvents = 0;
        return !result.IsCompleted && !result.IsCanceled && !token.IsCancellationRequested;
    }

    // Waits for the pending MoveNextAsync, writing keep-alive frames while the source is silent. True when
    // the source has an answer; false when the stream was cancelled first or a keep-alive could not be sent.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> WaitForSourceAsync(SseKeepAliveSignal signal, CancellationToken token)
    {
        if (_keepAlive is not { } period)
        {
            return (await signal.WaitAsync(SseWakeReason.SourceReady | SseWakeReason.Cancelled) & SseWakeReason.SourceReady) != 0;
        }

        // The silence starts now, after the last event was flushed: every event resets the keep-alive timer.
        var silentSince = _timeProvider.GetTimestamp();
        signal.ArmKeepAlive(period);
        while (true)
        {
            var reasons = await signal.WaitAsync(SseWakeReason.Any);
            if ((reasons & SseWakeReason.SourceReady) != 0)
            {
                return true;
            }

            if ((reasons & SseWakeReason.Cancelled) != 0)
            {
                return false;
            }

            // Re-check the silence against the clock: a timer fire can be a stale one from an earlier arming.
            var silence = _timeProvider.GetElapsedTime(silentSince);
            if (silence >= period)
            {
                _encoder.EncodeKeepAlive(_writer);
                if (!await FlushAsync(token))
                {
                    return false;
                }

                _metrics.KeepAliveSent();

                // The next one is due a period after this one was due, not after it went out: keep-alives keep
                // the period's cadence instead of each adding the timer's lateness (up to a wheel tick) to the
                // next. After a stall longer than a period, the cadence starts again from now, so a stream
                // never sends a burst of keep-alives to catch up.
                silentSince = silence < period * 2
                    ? silentSince + (long)(period.TotalSeconds * _timeProvider.TimestampFrequency)
                    : _timeProvider.GetTimestamp();
            }

            // Zero when the flush itself outlasted the rest of the period: the timer then fires at once.
            var remaining = period - _timeProvider.GetElapsedTime(silentSince);
            signal.ArmKeepAlive(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        }
    }

    // The abandoned-source path: the response has ended while the source was inside MoveNextAsync (its token
    // is cancelled by now). When that call returns, whatever it returns, the enumerator is disposed.
    private async Task DisposeWhenSourceReturnsAsync<T>(ValueTask<bool> moveNext, IAsyncEnumerator<T> enumerator, SseKeepAliveSignal signal)
    {
        await signal.WaitAsync(SseWakeReason.SourceReady);
        try
        {
            _ = moveNext.Result;
        }
        catch (OperationCanceledException)
        {
            // Expected: a source usually ends this way once its token fires.
        }
        catch (Exception exception)
        {
            Log.SourceDisposeFailed(_logger, exception);
        }

        await DisposeSourceAsync(enumerator);
    }

    private async ValueTask DisposeSourceAsync<T>(IAsyncEnumerator<T> enumerator)
    {
        try
        {
            await enumerator.DisposeAsync();
        }
        catch (Exception exception)
        {
            Log.SourceDisposeFailed(_logger, exception);
        }
    }

    private async ValueTask TryFlushAfterFailureAsync()
    {
        try
        {
            // Whole events encoded before the failure still go out; a partly written one ends without its
            // blank line, so no client dispatches it.
            _buffer.Drain();
            await _writer.FlushAsync(CancellationToken.None);
        }
        catch (Exception)
        {
            // The client went away while we were reporting the failure: nothing left to deliver, and the
            // failure is already logged once.
        }
    }
}
