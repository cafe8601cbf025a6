namespace Tako.Sse.Mvc.IntegrationTests.Infrastructure;

/// <summary>Waits for a condition by polling, bounded by <see cref="SseReader.Deadline"/>: never a fixed sleep.</summary>
public static class Poll
{
    public static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + SseReader.Deadline;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {SseReader.Deadline} waiting for {what}.");
            }

            await Task.Delay(10);
        }
    }
}
