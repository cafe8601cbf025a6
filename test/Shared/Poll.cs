namespace Tako.Sse.Mvc.Testing;

/// <summary>
/// Waits for a condition by polling, bounded by <see cref="Deadline"/>: never a fixed sleep. Shared by the
/// integration and Redis tests (linked from test/Shared).
/// </summary>
public static class Poll
{
    /// <summary>A generous bound for anything that should happen "at once" on loopback, or soon after Redis is back.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static Task UntilAsync(Func<bool> condition, string what) => UntilAsync(condition, what, Deadline);

    /// <summary>The same with a deadline of its own, for what may take longer than a stream's events.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {within} waiting for {what}.");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>
    /// Waits until <paramref name="value"/> stops changing: the same reading <paramref name="samples"/> times in
    /// a row, 100 ms apart (polling, bounded by <see cref="Deadline"/>).
    /// </summary>
    public static async Task UntilStableAsync(Func<long> value, string what, int samples = 3)
    {
        var deadline = DateTime.UtcNow + Deadline;
        var last = value();
        var same = 0;
        while (same < samples)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {Deadline} waiting for {what} (still moving: {last}).");
            }

            await Task.Delay(100);
            var now = value();
            same = now == last ? same + 1 : 0;
            last = now;
        }
    }

    public static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {Deadline} waiting for {what}.");
            }

            await Task.Delay(20);
        }
    }
}
