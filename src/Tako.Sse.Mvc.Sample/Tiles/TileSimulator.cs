namespace Tako.Sse.Mvc.Sample.Tiles;

/// <summary>
/// Three pretend dashboard tiles, each on its own channel (<c>tiles:visitors</c>, <c>tiles:orders</c>,
/// <c>tiles:latency</c>), published about once a second from the background as the application would from
/// anywhere: <see cref="ISseHub.PublishAsync"/> needs no request.
/// </summary>
/// <param name="hub">Publishes the tiles.</param>
/// <param name="timeProvider">The clock of the simulation and of each update's time stamp.</param>
public sealed class TileSimulator(ISseHub hub, TimeProvider timeProvider) : BackgroundService
{
    /// <summary>The event name of a tile update.</summary>
    public const string EventName = "tile";

    /// <summary>The tiles, in the order the page shows them.</summary>
    public static readonly IReadOnlyList<string> Names = ["visitors", "orders", "latency"];

    private static readonly TimeSpan s_period = TimeSpan.FromSeconds(1);

    private long _rounds;

    /// <summary>The rounds published so far, each one update of every tile; tests wait on it.</summary>
    internal long Rounds => Interlocked.Read(ref _rounds);

    /// <summary>The channel of the tile <paramref name="name"/>.</summary>
    /// <param name="name">One of <see cref="Names"/>.</param>
    /// <returns>For example <c>tiles:visitors</c>.</returns>
    public static string Channel(string name) => "tiles:" + name;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(s_period, timeProvider);
        var orders = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var seq = Rounds + 1;
                var at = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();

                // Made-up numbers that move a little each second, from the round alone (no randomness to seed).
                orders += (int)(seq % 3);
                int[] values = [110 + (int)(seq * 7 % 23), orders, 18 + (int)(seq * 13 % 41)];
                for (var i = 0; i < Names.Count; i++)
                {
                    await hub.PublishJsonAsync(Channel(Names[i]), new TileUpdate(Names[i], values[i], seq, at), EventName, stoppingToken);
                }

                Interlocked.Increment(ref _rounds);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The application is stopping.
        }
    }
}
