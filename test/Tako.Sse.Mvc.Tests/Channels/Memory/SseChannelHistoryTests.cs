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
        history.Floor.Should().Be(6, "6 was the last to leave");
        history.After(6)!.Select(f => f.Sequence).Should().Equal(new long[] { 7, 8, 9, 10 }, "a client at 6 misses nothing the history lost");
        history.After(5).Should().BeNull("6 was trimmed, and a client at 5 never had it");
    }

    [Fact]
    public void Append_LimitZero_KeepsNothing()
    {
        var history = new SseChannelHistory();

        history.Append(Frame(1), limit: 0);

        history.Count.Should().Be(0);
        history.Newest.Should().BeNull();
        history.Floor.Should().Be(1, "a client at 1 has everything, a client before it has missed 1");
        history.After(1)!.Should().BeEmpty();
        history.After(0).Should().BeNull();
    }

    [Fact]
    public void After_CreationFloor_PositionsBeforeTheChannelExistedAreGaps()
    {
        var history = new SseChannelHistory(floor: 20);

        history.After(20)!.Should().BeEmpty("20 is the position of the channel when it was created");
        history.After(19).Should().BeNull("a position of an earlier channel of the same name may have missed its last events");
        history.Append(Frame(21), limit: 4);
        history.After(20)!.Select(f => f.Sequence).Should().Equal(21);
    }

    [Fact]
    public void After_SparseSequencesAcrossTheRing_FindsWhatFollowsEachPosition()
    {
        var history = new SseChannelHistory();
        foreach (var sequence in new long[] { 3, 8, 9, 15, 40, 41, 77 })
        {
            history.Append(Frame(sequence), limit: 5);
        }

        history.After(15)!.Select(f => f.Sequence).Should().Equal(40, 41, 77);
        history.After(77)!.Should().BeEmpty();
        history.After(9)!.Select(f => f.Sequence).Should().Equal(15, 40, 41, 77);
        history.After(10)!.Select(f => f.Sequence).Should().Equal(new long[] { 15, 40, 41, 77 }, "a position between two frames resumes after it");
        history.After(8)!.Select(f => f.Sequence).Should().Equal(new long[] { 9, 15, 40, 41, 77 }, "8 was the last to leave: a client at 8 misses nothing");
        history.After(7).Should().BeNull("8 was trimmed, and a client at 7 never had it");
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
