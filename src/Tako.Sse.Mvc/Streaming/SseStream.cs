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
/// The walk: the executor builds the stream and hands it to the result's <see cref="SseSource"/>, which gives
/// it its items and their <see cref="ISseItemWriter{T}"/> (<see cref="Visit"/>). The loop below asks the
/// source for items, the item writer encodes each into the <see cref="SseWriteBuffer"/>, and the buffer, the
/// one place that writes to the response pipe, sends them (<c>SseStream.Flush.cs</c>). Idle waits with their
/// keep-alives are in <c>SseStream.KeepAlive.cs</c>, the write timeout in <c>SseStream.WriteTimeout.cs</c>,
/// and closing the source in <c>SseStream.Ending.cs</c>.
/// </para>
/// <para>
/// Coalescing: while <c>MoveNextAsync</c> completes synchronously the source has items ready, and they are
/// encoded without a flush; the flush happens the moment the source would make us wait (or the buffer passes
/// <see cref="FlushThreshold"/>). A fast producer gets a few large writes, a slow one gets each event on the
/// wire at once. The first item after a wait is flushed before the source is asked for the next one: a slow
/// producer's next <c>MoveNextAsync</c> (arming its own timer, say) then runs while the event is already on
/// its way, and a burst costs one flush more.
/// </para>
/// <para>
/// Only this loop writes to the response, so writes never overlap, and it runs only on threads of its own:
/// whatever wakes it (the source, the clock, a cancellation) queues it to the thread pool
/// (see <see cref="SseStreamWakeSignal"/>). Nothing on the per-event path allocates.
/// </para>
/// <para>
/// Ending: the client leaving, the application stopping or a write the client does not take within the write
/// timeout cancels the source's token and ends the response at once. If the source is in the middle of a
/// <c>MoveNextAsync</c> then (it may ignore its token), the response does not wait for it: the source is
/// disposed in the background when that call returns.
/// </para>
/// </remarks>
internal sealed partial class SseStream : ISseSourceVisitor<Task>
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

    // Events are encoded here and reach the response pipe in one write per flush: see SseWriteBuffer.
    private readonly SseWriteBuffer _buffer;
    private long _unflushedEvents;
    private long _eventCount;

    public SseStream(
        HttpContext context,
        ISseEncoder encoder,
        TimeSpan? keepAlive,
        TimeSpan? retry,
        TimeSpan? writeTimeout,
        TimeProvider timeProvider,
        SseMetrics metrics,
        ILogger logger,
        CancellationToken applicationStopping)
    {
        _context = context;
        _encoder = encoder;

        // A period beyond what a timer accepts (TimeSpan.MaxValue, say) means "practically never", not an
        // overflow: clamped, it stays a due time in the future.
        _keepAlive = keepAlive > TimeSpan.Zero ? SseKeepAliveWheel.ClampDueTime(keepAlive.Value) : null;
        _writeTimeout = writeTimeout > TimeSpan.Zero ? SseKeepAliveWheel.ClampDueTime(writeTimeout.Value) : null;
        _retry = retry;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
        _applicationStopping = applicationStopping;
        _buffer = new SseWriteBuffer(context.Response.BodyWriter);
    }

    /// <summary>Runs the stream on the items and item writer a source hands over.</summary>
    public Task Visit<T, TItemWriter>(IAsyncEnumerable<T> items, TItemWriter itemWriter)
        where TItemWriter : ISseItemWriter<T> => RunAsync(items, itemWriter);

    private async Task RunAsync<T, TItemWriter>(IAsyncEnumerable<T> source, TItemWriter itemWriter)
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
        _cancellation = cancellation;
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
                    if (_buffer.HasUnflushedBytes && !await FlushAsync(token))
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
                    if (_buffer.HasUnflushedBytes)
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
            // The client left, the app is stopping or a write timed out; whatever the source or the pipe threw
            // is a consequence.
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
            EndWriteTimeout();
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
                    // The task that waits for it holds the source and the signal, never this stream (and so
                    // never the request): a source that never returns must not keep the HttpContext alive.
                    Log.SourceAbandoned(_logger);
                    _ = DisposeWhenSourceReturnsAsync(moveNext, enumerator, signal, _timeProvider, _logger);
                }
                else
                {
                    await DisposeSourceAsync(enumerator, _timeProvider, _logger);
                }
            }

            LogEnding();
        }
    }

    // Checked after every event, so it only reads our own count: asking Kestrel's pipe for its unflushed
    // bytes each time would cost more than encoding a small event.
    private bool IsFlushDue() => _buffer.UnflushedCount >= FlushThreshold;
}
