using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc;

// Closing the source once the stream is over, whatever the source does: ignore its token, never return from
// MoveNextAsync, never finish DisposeAsync, or throw from it.
internal sealed partial class SseStream
{
    /// <summary>
    /// How long the response waits for the source's <c>DisposeAsync</c> (on the app's clock). After that the
    /// response ends anyway, and a Warning names the source: its disposal still runs, on its own.
    /// </summary>
    internal static readonly TimeSpan SourceDisposeTimeout = TimeSpan.FromSeconds(5);

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

    // The abandoned-source path: the response has ended while the source was inside MoveNextAsync (its token
    // is cancelled by now). When that call returns, whatever it returns, the enumerator is disposed. Static,
    // and given only what it needs: a call that never returns roots this task, and it must not root the
    // stream and its HttpContext with it.
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

        await DisposeSourceAsync(enumerator, timeProvider, logger);
    }

    // Waits for the source's DisposeAsync at most SourceDisposeTimeout: a source whose disposal hangs must not
    // hold the response open, nor make the host's StopAsync wait out its shutdown timeout. A disposal that
    // fails is the application's bug, so it is a Warning, with the source named.
    private static async ValueTask DisposeSourceAsync<T>(IAsyncEnumerator<T> enumerator, TimeProvider timeProvider, ILogger logger)
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
            await disposing.WaitAsync(SourceDisposeTimeout, timeProvider);
        }
        catch (TimeoutException) when (!disposing.IsCompleted)
        {
            var source = SourceName(enumerator);
            Log.SourceDisposeStalled(logger, source, SourceDisposeTimeout);

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

    // Our own TryCancel also cancels the linked token, so ask the original tokens who ended the stream.
    private void LogEnding()
    {
        if (_timedOut)
        {
            // Logged with its own event (SseWriteTimedOut); the abort also cancels RequestAborted.
            return;
        }

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
