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
/// one gets each event on the wire at once.
/// </para>
/// <para>
/// Only this loop writes to the response, so writes never overlap. Nothing on the per-event path allocates:
/// the encoder writes straight into the pipe, and idle waits reuse one <see cref="SseKeepAliveSignal"/>.
/// </para>
/// </remarks>
internal sealed class SseStream
{
    // Flush at least this often when the source keeps producing without pause, so memory stays bounded and
    // the client sees a steady flow.
    internal const int FlushThreshold = 32 * 1024;

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
        _context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(_context.RequestAborted, _applicationStopping);
        var token = cancellation.Token;
        using var signal = new SseKeepAliveSignal(_timeProvider);
        using var registration = token.UnsafeRegister(static state => ((SseKeepAliveSignal)state!).Cancel(), signal);

        _metrics.StreamStarted();
        IAsyncEnumerator<T>? enumerator = null;
        var sourceOwnedElsewhere = false;
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

            enumerator = source.GetAsyncEnumerator(token);
            while (true)
            {
                var moveNext = enumerator.MoveNextAsync();
                if (!moveNext.IsCompleted)
                {
                    // The source has nothing ready: everything buffered goes out before we wait, and the
                    // batch buffer goes back to the pool so an idle stream holds none.
                    _buffer.Drain();
                    _buffer.Release();
                    signal.BeginIdle();
                    moveNext.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(signal.OnSourceReady);
                    if ((HasUnflushedBytes() && !await FlushAsync(token)) || !await WaitForSourceAsync(signal, token))
                    {
                        // The client is gone or the app is stopping while the source still works on an item
                        // (perhaps ignoring its token): end the response now, dispose the source once it returns.
                        sourceOwnedElsewhere = true;
                        _ = DisposeWhenSourceReturnsAsync(moveNext, enumerator, signal);
                        break;
                    }
                }

                if (!moveNext.Result)
                {
                    await FlushAsync(token);
                    Log.StreamCompleted(_logger, _eventCount);
                    break;
                }

                itemWriter.Write(enumerator.Current, _encoder, _buffer);
                _unflushedEvents++;
                _eventCount++;
                if (_buffer.WrittenCount >= FlushThreshold && !await FlushAsync(token))
                {
                    break;
                }
            }
        }
        catch (Exception) when (token.IsCancellationRequested)
        {
            // The client left or the app is stopping; whatever the source or the pipe threw is a consequence.
        }
        catch (Exception exception)
        {
            // The response has started: the client keeps the events it got and sees the stream end.
            Log.SourceFailed(_logger, exception);
            await TryFlushAfterFailureAsync();
        }
        finally
        {
            _metrics.StreamEnded();
            _buffer.Release();
            if (enumerator is not null && !sourceOwnedElsewhere)
            {
                await DisposeSourceAsync(enumerator);
            }
        }

        if (token.IsCancellationRequested)
        {
            if (_applicationStopping.IsCancellationRequested)
            {
                Log.StoppedByShutdown(_logger);
            }
            else
            {
                Log.ClientDisconnected(_logger);
            }
        }
    }

    private bool HasUnflushedBytes() => !_writer.CanGetUnflushedBytes || _writer.UnflushedBytes > 0;

    // Sends what is buffered. False when the client is gone and nothing more can be written.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> FlushAsync(CancellationToken token)
    {
        FlushResult result;
        long bytes;
        try
        {
            _buffer.Drain();
            bytes = _writer.CanGetUnflushedBytes ? _writer.UnflushedBytes : 0;
            result = await _writer.FlushAsync(token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        _metrics.Sent(_unflushedEvents, bytes);
        _unflushedEvents = 0;
        return !result.IsCompleted && !result.IsCanceled && !token.IsCancellationRequested;
    }

    // Waits for the pending MoveNextAsync, writing keep-alive frames while the source is silent. True when
    // the source has an answer; false when the stream was cancelled first.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> WaitForSourceAsync(SseKeepAliveSignal signal, CancellationToken token)
    {
        if (_keepAlive is not { } period)
        {
            return (await signal.WaitAsync() & SseWakeReason.SourceReady) != 0;
        }

        var silentSince = _timeProvider.GetTimestamp();
        signal.ArmKeepAlive(period);
        while (true)
        {
            var reasons = await signal.WaitAsync();
            if ((reasons & SseWakeReason.SourceReady) != 0)
            {
                return true;
            }

            if ((reasons & SseWakeReason.Cancelled) != 0)
            {
                return false;
            }

            // Re-check the silence: a timer armed for an earlier idle period may fire late.
            var remaining = period - _timeProvider.GetElapsedTime(silentSince);
            if (remaining <= TimeSpan.Zero)
            {
                _encoder.EncodeKeepAlive(_writer);
                if (!await FlushAsync(token))
                {
                    return false;
                }

                _metrics.KeepAliveSent();
                silentSince = _timeProvider.GetTimestamp();
                remaining = period;
            }

            signal.ArmKeepAlive(remaining);
        }
    }

    private async Task DisposeWhenSourceReturnsAsync<T>(ValueTask<bool> moveNext, IAsyncEnumerator<T> enumerator, SseKeepAliveSignal signal)
    {
        while ((await signal.WaitAsync() & SseWakeReason.SourceReady) == 0)
        {
        }

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
            _buffer.Drain();
            await _writer.FlushAsync(CancellationToken.None);
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The client went away while we were reporting the failure: nothing left to deliver.
        }
    }
}
