using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Tako.Sse.Mvc;

/// <summary>
/// The hub's one multiplexer, created on first use. Connecting never fails the application: the hub turns
/// <see cref="ConfigurationOptions.AbortOnConnectFail"/> off, so StackExchange.Redis keeps trying in the
/// background; a factory that throws is asked again on the next use.
/// </summary>
internal sealed class RedisConnection(TakoSseRedisOptions options, ILogger logger, Action<ConnectionFailedEventArgs> restored, Action<ConnectionFailedEventArgs>? failed = null) : IAsyncDisposable, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnectionMultiplexer? _multiplexer;
    private bool _disposed;

    /// <summary>Gets the multiplexer if it exists, without connecting.</summary>
    public IConnectionMultiplexer? Current => Volatile.Read(ref _multiplexer);

    public async ValueTask<IConnectionMultiplexer> GetAsync()
    {
        if (Volatile.Read(ref _multiplexer) is { } existing)
        {
            return existing;
        }

        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_multiplexer is { } raced)
            {
                return raced;
            }

            using var log = new RedisLogWriter(logger);
            IConnectionMultiplexer multiplexer;
            if (options.ConnectionFactory is { } factory)
            {
                multiplexer = await factory(log).ConfigureAwait(false);
            }
            else
            {
                var configuration = options.Configuration.Clone();
                configuration.AbortOnConnectFail = false;
                multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration, log).ConfigureAwait(false);
            }

            multiplexer.ConnectionFailed += (_, e) =>
            {
                RedisLog.ConnectionFailed(logger, e.ConnectionType.ToString(), e.EndPoint?.ToString(), e.FailureType.ToString(), e.Exception);
                failed?.Invoke(e);
            };
            multiplexer.ConnectionRestored += (_, e) => restored(e);
            Volatile.Write(ref _multiplexer, multiplexer);
            return multiplexer;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            if (_multiplexer is { } multiplexer)
            {
                _multiplexer = null;
                await multiplexer.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
                multiplexer.Dispose();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        Interlocked.Exchange(ref _multiplexer, null)?.Dispose();
    }
}
