using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc;

/// <summary>
/// Closing a stream's source once the stream is over, whatever the source does: ignore its token, never return
/// from <c>MoveNextAsync</c>, never finish <c>DisposeAsync</c>, or throw from it. The response never waits for
/// more than <see cref="Timeout"/>.
/// </summary>
/// <remarks>
/// Static, and given only what it needs: a source whose <c>MoveNextAsync</c> never returns roots the task that
/// waits for it, and that task must not root the stream and its <c>HttpContext</c> with it.
/// </remarks>
internal static class SseSourceDisposal
{
    /// <summary>
    /// How long the response waits for the source's <c>DisposeAsync</c> (on the app's clock). After that the
    /// response ends anyway, and a Warning names the source: its disposal still runs, on its own.
    /// </summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>Closes the source of a stream that has ended.</summary>
    /// <param name="enumerator">The source's enumerator.</param>
    /// <param name="unfinished">
    /// The stream's cancellation when the source did not finish: a source still running (perhaps in background
    /// work of its own) learns from its token that the stream is over.
    /// </param>
    /// <param name="pending">The source's <c>MoveNextAsync</c> the stream stopped waiting for, if any.</param>
    /// <param name="signal">The stream's wake signal, which <paramref name="pending"/> completes.</param>
    /// <param name="timeProvider">The app's clock, for <see cref="Timeout"/>.</param>
    /// <param name="logger">The stream's logger.</param>
    public static ValueTask CloseAsync<T>(
        IAsyncEnumerator<T> enumerator,
        CancellationTokenSource? unfinished,
        ValueTask<bool>? pending,
        SseStreamWakeSignal signal,
        TimeProvider timeProvider,
        ILogger logger)
    {
        if (unfinished is not null)
        {
            try
            {
                unfinished.Cancel();
            }
            catch (AggregateException)
            {
                // A callback the source registered on its token threw; the stream is over either way.
            }
        }

        if (pending is not { } moveNext)
        {
            return DisposeAsync(enumerator, timeProvider, logger);
        }

        // The task that waits for the pending call holds the source and the signal, never the stream (and so
        // never the request).
        Log.SourceAbandoned(logger);
        _ = DisposeWhenSourceReturnsAsync(moveNext, enumerator, signal, timeProvider, logger);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The abandoned-source path: the response has ended while the source was inside <c>MoveNextAsync</c> (its
    /// token is cancelled by now). When that call returns, whatever it returns, the enumerator is disposed.
    /// Disposing an enumerator during its <c>MoveNextAsync</c> is not allowed.
    /// </summary>
    private static async Task DisposeWhenSourceReturnsAsync<T>(
        ValueTask<bool> moveNext,
        IAsyncEnumerator<T> enumerator,
        SseStreamWakeSignal signal,
        TimeProvider timeProvider,
        ILogger logger)
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
            Log.SourceDisposeFailed(logger, SourceName(enumerator), exception);
        }

        await DisposeAsync(enumerator, timeProvider, logger);
    }

    /// <summary>
    /// Waits for the source's <c>DisposeAsync</c> at most <see cref="Timeout"/>: a source whose disposal hangs
    /// must not hold the response open, nor make the host's <c>StopAsync</c> wait out its shutdown timeout. A
    /// disposal that fails is the application's bug, so it is a Warning, with the source named.
    /// </summary>
    private static async ValueTask DisposeAsync<T>(IAsyncEnumerator<T> enumerator, TimeProvider timeProvider, ILogger logger)
    {
        Task disposing;
        try
        {
            var pending = enumerator.DisposeAsync();
            if (pending.IsCompletedSuccessfully)
            {
                return;
            }

            disposing = pending.AsTask();
        }
        catch (Exception exception)
        {
            Log.SourceDisposeFailed(logger, SourceName(enumerator), exception);
            return;
        }

        try
        {
            await disposing.WaitAsync(Timeout, timeProvider);
        }
        catch (TimeoutException) when (!disposing.IsCompleted)
        {
            var source = SourceName(enumerator);
            Log.SourceDisposeStalled(logger, source, Timeout);

            // Should it fail later, that is still worth a Warning.
            _ = disposing.ContinueWith(
                static (task, state) =>
                {
                    var (logger, source) = ((ILogger, string))state!;
                    Log.SourceDisposeFailed(logger, source, task.Exception!.InnerException!);
                },
                (logger, source),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
        catch (Exception exception)
        {
            Log.SourceDisposeFailed(logger, SourceName(enumerator), exception);
        }
    }

    // The enumerator's type names the application's source: an async iterator's is the method's state machine
    // (Feed+<Events>d__3), a hand-written one is its own class.
    private static string SourceName(object enumerator)
    {
        var type = enumerator.GetType();
        return type.FullName ?? type.Name;
    }
}
