namespace Tako.Sse.Mvc.StackExchangeRedis.Tests.Infrastructure;

/// <summary>Waits for a condition by polling, bounded by <see cref="StreamReading.Deadline"/>: never a fixed sleep.</summary>
public static class Poll
{
    public static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + StreamReading.Deadline;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {StreamReading.Deadline} waiting for {what}.");
            }

            await Task.Delay(10);
        }
    }

    public static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + StreamReading.Deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {StreamReading.Deadline} waiting for {what}.");
            }

            await Task.Delay(20);
        }
    }
}
