using Tako.Sse.Mvc.Sample.Logging;

namespace Tako.Sse.Mvc.IntegrationTests.Sample;

public class LogTailTests
{
    [Fact]
    public async Task FollowAsync_NewSubscriber_GetsTheRecentHistoryFirst()
    {
        var tail = new LogTail();
        Publish(tail, 0, LogTail.HistorySize + 10);
        using var stop = new CancellationTokenSource();
        await using var follower = tail.FollowAsync(stop.Token).GetAsyncEnumerator();

        var history = await ReadAsync(follower, LogTail.HistorySize);
        Publish(tail, 1000, 1);
        var live = await ReadAsync(follower, 1);

        history.Should().Equal(Enumerable.Range(10, LogTail.HistorySize).Select(Text));
        live.Should().Equal(Text(1000));
    }

    [Fact]
    public async Task FollowAsync_ReaderFallsBehind_KeepsOnlyTheNewestEntries()
    {
        var tail = new LogTail();
        Publish(tail, 0, 1);
        using var stop = new CancellationTokenSource();
        await using var follower = tail.FollowAsync(stop.Token).GetAsyncEnumerator();
        (await ReadAsync(follower, 1)).Should().Equal(Text(0));

        // Subscribed, and not reading while 1000 entries are logged.
        Publish(tail, 1, 1000);
        var read = await ReadAsync(follower, LogTail.SubscriberCapacity);

        read.Should().Equal(Enumerable.Range(1001 - LogTail.SubscriberCapacity, LogTail.SubscriberCapacity).Select(Text));
        await stop.CancelAsync();
        await FluentActions.Awaiting(async () => await follower.MoveNextAsync()).Should().ThrowAsync<OperationCanceledException>();
    }

    private static string Text(int n) => $"entry {n}";

    private static void Publish(LogTail tail, int from, int count)
    {
        for (var n = from; n < from + count; n++)
        {
            tail.Publish(new LogEntry(DateTimeOffset.UnixEpoch, "Information", "Test", Text(n)));
        }
    }

    private static async Task<List<string>> ReadAsync(IAsyncEnumerator<LogEntry> follower, int count)
    {
        var messages = new List<string>();
        while (messages.Count < count)
        {
            (await follower.MoveNextAsync().AsTask().WaitAsync(Poll.Deadline)).Should().BeTrue();
            messages.Add(follower.Current.Message);
        }

        return messages;
    }
}
