using Microsoft.Extensions.Hosting;

namespace Tako.Sse.Mvc;

/// <summary>
/// Opens the hub's Redis connection while the host starts, so that the first subscriber or publication pays no
/// connect (before, the connection opened on first use: a fresh instance's first stream waited over a second
/// for its <c>200</c>). Start-up never fails for it: with Redis down the connection keeps trying in the
/// background (<see cref="StackExchange.Redis.ConfigurationOptions.AbortOnConnectFail"/> off) after one connect
/// timeout at most, and a connection factory that throws is logged and asked again on first use, as before.
/// </summary>
internal sealed class RedisConnectionStartup(RedisSseHub hub) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var multiplexer = await hub.Connection.GetAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
            hub.PubSub.TryResolve(multiplexer);
        }
        catch (Exception exception) when (exception is not (OperationCanceledException or OutOfMemoryException))
        {
            RedisLog.StartupConnectFailed(hub.RedisLogger, exception);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
