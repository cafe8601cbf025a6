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
/// The walk: the executor builds the stream and hands it to the result's <see cref="SseSource"/>, which calls
/// <see cref="RunAsync"/> with its items and their <see cref="ISseItemWriter{T}"/>. The loop asks the source for
/// items, the item writer encodes each into the <see cref="SseWriteBuffer"/>, and <see cref="SseResponseWriter"/>
/// sends them. While the source is silent, the loop writes keep-alives (<see cref="SseKeepAlive"/>).
/// A write the client does not take is ended by <see cref="SseWriteTimeout"/>, an expired credential by
/// <see cref="SseAuthenticationExpiry"/>; the source is closed by <see cref="SseSourceDisposal"/>.
/// </para>
/// <para>
/// Coalescing: while <c>MoveNextAsync</c> completes synchronously the source has items ready, and they are
/// encoded without a flush; the flush happens the moment the source would make us wait (or the buffer passes
/// <see cref="FlushThreshold"/>). The first item after a wait is flushed before the source is asked for the next
/// one: a slow producer's next <c>MoveNextAsync</c> then runs while the event is already on its way. A queued
/// source (<see cref="ISseQueuedSource"/>: a channel subscription) is the exception: its next items are ready
/// at once, and all it queued goes out in one flush.
/// </para>
/// <para>
/// Only this loop writes to the response, so writes never overlap; whatever wakes it (the source, the clock, a
/// cancellation) queues it to the thread pool (<see cref="SseStreamWakeSignal"/>). Nothing on the per-event path
/// allocates. The client leaving, the application stopping or a timed-out write cancels the source's token and
/// ends the response at once, even when the source ignores its token.
/// </para>
/// </remarks>
internal sealed class SseStream
{
    // Flush at least this often when the source keeps producing without pause: just under Kestrel's default
    // response buffer (64 KB, where FlushAsync starts to wait for the socket), so every flush is one large send.
    // 32 KB made twice the sends and about 10% less throughput end to end.
    internal const int FlushThreshold = 60 * 1024;

    private readonly HttpContext _context;
    private readonly ISseEncoder _encoder;
    private readonly SseKeepAlive? _keepAlive;
    private readonly TimeSpan? _retry;
    private readonly TimeSpan? _writeTimeoutPeriod;
    private readonly SseAuthenticationExpiry? _authenticationExpiry;
    private readonly TimeProvider _timeProvider;
    private readonly SseMetrics _metrics;
    private readonly ILogger _logger;
    private readonly CancellationToken _applicationStopping;
    private readonly SseWriteBuffer _buffer;
    private long _eventCount;

    public SseStream(
        HttpContext context,
        bool fromMvc,
        ISseEncoder encoder,
        TimeSpan? keepAlive,
        TimeSpan? retry,
        TimeSpan? writeTimeout,
        SseAuthenticationExpiry? authenticationExpiry,
        TimeProvider timeProvider,
        SseMetrics metrics,
        ILogger logger,
        CancellationToken applicationStopping)
    {
        _context = context;
        FromMvc = fromMvc;
        _encoder = encoder;

        // A period beyond what a timer accepts (TimeSpan.MaxValue, say) means "practically never", not an
        // overflow: clamped, it stays a due time in the future.
        _keepAlive = keepAlive > TimeSpan.Zero ? new SseKeepAlive(SseTimerWheel.ClampDueTime(keepAlive.Value), timeProvider) : null;
        _writeTimeoutPeriod = writeTimeout > TimeSpan.Zero ? SseTimerWheel.ClampDueTime(writeTimeout.Value) : null;
        _authenticationExpiry = authenticationExpiry;
        _retry = retry;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
        _applicationStopping = applicationStopping;
        _buffer = new SseWriteBuffer(context.Response.BodyWriter);
    }

    /// <summary>Gets the request the stream answers (sources resolve their services from it).</summary>
    public HttpContext Context => _context;

    /// <summary>Gets whether an MVC action returned the result (JSON sources then use MVC's JSON options).</summary>
    public bool FromMvc { get; }

    /// <summary>Runs the stream on a source's items and their writer.</summary>
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
        var writeTimeout = _writeTimeoutPeriod is { } period ? new SseWriteTimeout(period, _timeProvider, _context, cancellation) : null;
        var output = new SseResponseWriter(_buffer, writeTimeout, _metrics);
        var token = cancellation.Token;
        using var signal = new SseStreamWakeSignal(_timeProvider);
        using var registration = token.UnsafeRegister(static state => ((SseStreamWakeSignal)state!).Cancel(), signal);

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
            // Bounded by the source (it never faults); the client leaving or the app stopping ends the wait.
            if (source is ISseDeferredOpening { Opening: { IsCompleted: false } opening })
            {
                await opening.WaitAsync(token);
            }

            if (_retry is { } retry)
            {
                _buffer.WriteRetry(_encoder, retry);
            }

            // Headers (and the retry hint) go out now, before the source produces anything: EventSource fires
            // onopen and proxies see a live response.
            if (!output.Flushed(await output.FlushAsync(token), token))
            {
                return;
            }

            _authenticationExpiry?.Start(cancellation);
            inSource = true;
            enumerator = source.GetAsyncEnumerator(token);

            // Set when the item at hand is the first after a wait: it goes out before the source is asked for the
            // next one (see the remarks on coalescing), unless the source is a queue.
            var flushFirstAfterWait = source is not ISseQueuedSource;
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
                    if (_buffer.HasUnflushedBytes && !output.Flushed(await output.FlushAsync(token), token))
                    {
                        break;
                    }

                    _buffer.Release();
                    output.SourceWaits();

                    // The wait, with keep-alives while the source is silent. Inline rather than in a method of its
                    // own: an async method that waits costs a box per wait, thousands per event in a fan-out.
                    var keepAlive = _keepAlive;
                    if (keepAlive is not null)
                    {
                        // The silence starts now, after the last event was flushed.
                        keepAlive.Reset();
                        signal.ArmKeepAlive(keepAlive.Period);
                    }

                    var reasons = await signal.WaitAsync(keepAlive is null ? SseWakeReason.SourceReady | SseWakeReason.Cancelled : SseWakeReason.Any);
                    while (reasons == SseWakeReason.KeepAliveDue)
                    {
                        if (keepAlive!.IsDue())
                        {
                            _buffer.WriteKeepAlive(_encoder);
                            if (!output.Flushed(await output.FlushAsync(token), token))
                            {
                                // The client is gone: the stream ends as if cancelled.
                                reasons = SseWakeReason.Cancelled;
                                break;
                            }

                            _metrics.KeepAliveSent();
                            keepAlive.Sent();
                        }

                        // Zero when the flush itself outlasted the rest of the period: the timer then fires at once.
                        signal.ArmKeepAlive(keepAlive.Remaining);
                        reasons = await signal.WaitAsync(SseWakeReason.Any);
                    }

                    if ((reasons & SseWakeReason.SourceReady) == 0)
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
                    if (_buffer.HasUnflushedBytes)
                    {
                        output.Flushed(await output.FlushAsync(token), token);
                    }

                    Log.StreamCompleted(_logger, _eventCount);
                    break;
                }

                var item = enumerator.Current;
                inSource = false;
                itemWriter.Write(item, _encoder, _buffer);
                output.EventWritten();
                _eventCount++;

                // Only our own count is read after each event: asking Kestrel's pipe would cost more than encoding.
                if (((firstAfterWait && flushFirstAfterWait) || _buffer.UnflushedCount >= FlushThreshold)
                    && !output.Flushed(await output.FlushAsync(token), token))
                {
                    break;
                }

                firstAfterWait = false;
                inSource = true;
            }
        }
        catch (Exception) when (token.IsCancellationRequested)
        {
            // The client left, the app is stopping or a write timed out: whatever was thrown is a consequence.
        }
        catch (Exception exception) when (inSource)
        {
            // The response has started: the client keeps the events it got and sees the stream end cleanly.
            sourceFinished = true;
            Log.SourceFailed(_logger, exception);
            await output.TryFlushAfterFailureAsync();
        }
        catch (Exception exception)
        {
            // Serializing an item, encoding or writing failed. Events encoded before it still go out if the pipe
            // works; a half-written frame is harmless, as a client discards an event the stream ends inside.
            Log.WriteFailed(_logger, exception);
            await output.TryFlushAfterFailureAsync();
        }
        finally
        {
            _buffer.Release();
            var timedOut = writeTimeout?.End() == true;
            var expired = _authenticationExpiry?.End() == true;
            if (timedOut)
            {
                _metrics.WriteTimedOut();
                Log.WriteTimedOut(_logger, writeTimeout!.Timeout);
            }

            _metrics.StreamEnded();
            if (enumerator is not null)
            {
                await SseSourceDisposal.CloseAsync(enumerator, sourceFinished ? null : cancellation, sourcePending ? moveNext : null, signal, _timeProvider, _logger);
            }

            SseStreamEnding.Report(_logger, _metrics, timedOut, expired ? _authenticationExpiry : null, _applicationStopping, _context.RequestAborted);
        }
    }
}
