namespace Tako.Sse.Mvc.Tests.Channels.Memory;

public class SseChannelHistoryTests
{
    [Fact]
    public void Append_BeyondLimit_KeepsTheNewestInOrder()
    {
        var history = new SseChannelHistory();

        for (var i = 1; i <= 10; i++)
        {
            history.Append(Frame(i), limit: 4);
        }

        history.Count.Should().Be(4);
        history.Newest!.Sequence.Should().Be(10);
        history.After(7)!.Select(f => f.Sequence).Should().Equal(8, 9, 10);
        history.After(6).Should().BeNull("6 was trimmed");
    }

    [Fact]
    public void Append_LimitZero_KeepsNothing()
    {
        var history = new SseChannelHistory();

        history.Append(Frame(1), limit: 0);

        history.Count.Should().Be(0);
        history.Newest.Should().BeNull();
    }

    [Fact]
    public void After_SparseSequencesAcrossTheRing_FindsExactOnesOnly()
    {
        var history = new SseChannelHistory();
        foreach (var sequence in new long[] { 3, 8, 9, 15, 40, 41, 77 })
        {
            history.Append(Frame(sequence), limit: 5);
        }

        history.After(15)!.Select(f => f.Sequence).Should().Equal(40, 41, 77);
        history.After(77)!.Should().BeEmpty();
        history.After(9)!.Select(f => f.Sequence).Should().Equal(15, 40, 41, 77);
        history.After(10).Should().BeNull("no frame 10 was ever in this channel");
        history.After(3).Should().BeNull("3 was trimmed");
    }

    [Fact]
    public void RemoveOlderThan_Cutoff_RemovesOnlyOlderFramesAndEmptiesCleanly()
    {
        var history = new SseChannelHistory();
        history.Append(Frame(1, timestamp: 10), 100);
        history.Append(Frame(2, timestamp: 20), 100);
        history.Append(Frame(3, timestamp: 30), 100);

        history.RemoveOlderThan(20);
        history.After(2)!.Select(f => f.Sequence).Should().Equal(3);

        history.RemoveOlderThan(31);
        history.Count.Should().Be(0);
        history.Append(Frame(4, timestamp: 40), 100);
        history.Newest!.Sequence.Should().Be(4);
    }

    private static SseChannelFrame Frame(long sequence, long timestamp = 0) => new($"e-{sequence}", sequence, [], timestamp);
}
