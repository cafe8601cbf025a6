namespace Tako.Sse.Mvc;

/// <summary>How long a failed Redis call waits before it is tried again, on the app's clock.</summary>
internal sealed class RedisRetry(TimeProvider timeProvider, CancellationToken stopping)
{
    /// <summary>Gets or sets the wait (tests shorten it).</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets the hub's stopping token: retries end with it.</summary>
    public CancellationToken Stopping => stopping;

    /// <summary>Waits <see cref="Delay"/>; cancelled when the hub stops.</summary>
    public Task WaitAsync() => Task.Delay(Delay, timeProvider, stopping);
}
