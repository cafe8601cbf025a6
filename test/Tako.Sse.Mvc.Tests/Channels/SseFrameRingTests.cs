namespace Tako.Sse.Mvc.Tests.Channels;

public class SseFrameRingTests
{
    [Fact]
    public void EnqueueDequeue_WrappingAndGrowing_KeepsFifoOrderUpToCapacity()
    {
        var queue = new SseFrameRing(capacity: 6);
        var next = 0;
        var expected = 0;
        for (var round = 0; round < 20; round++)
        {
            while (!queue.IsFull)
            {
                queue.Enqueue(new SseChannelFrame("x", ++next, [], 0));
            }

            queue.Count.Should().Be(6);
            for (var i = 0; i < 4; i++)
            {
                queue.Dequeue().Sequence.Should().Be(++expected);
            }
        }
    }
}
