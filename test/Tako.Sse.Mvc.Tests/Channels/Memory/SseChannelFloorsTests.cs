namespace Tako.Sse.Mvc.Tests.Channels.Memory;

public sealed class SseChannelFloorsTests
{
    [Fact]
    public void Take_ChannelNeverRemembered_StartsAtTheBottom()
    {
        var floors = new SseChannelFloors(10);

        floors.Take("quiet").Should().Be(0, "a channel that never lost an event leaves nothing to be careful about");
    }

    [Fact]
    public void Take_RemovedChannelThatLostEvents_StartsWhereItsHistoryStoodOnce()
    {
        var floors = new SseChannelFloors(10);
        floors.Remember("busy", 40);
        floors.Remember("busy", 30);

        floors.Take("busy").Should().Be(40);
        floors.Take("busy").Should().Be(0, "the channel created from it carries the floor from now on");
        floors.Count.Should().Be(0);
    }

    [Fact]
    public void Remember_PastTheCapacity_ForgetsAllAndEveryNewChannelStartsAtTheHighestForgotten()
    {
        var floors = new SseChannelFloors(3);
        floors.Remember("a", 5);
        floors.Remember("b", 9);
        floors.Remember("c", 7);

        floors.Remember("d", 8);

        floors.Count.Should().Be(0);
        floors.Take("a").Should().Be(9, "forgotten: the highest forgotten floor is the safe start");
        floors.Take("never").Should().Be(9);
        floors.Remember("e", 12);
        floors.Take("e").Should().Be(12);
    }
}
