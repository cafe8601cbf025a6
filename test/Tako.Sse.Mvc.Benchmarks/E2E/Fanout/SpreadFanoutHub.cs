using Microsoft.AspNetCore.SignalR;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>
/// The SignalR baseline of the fanout-cluster run: each connection joins the group of the next channel of
/// <see cref="FanoutSpread"/>, named <c>{channel}</c> so that the group's Redis channel has the hash slot of ours.
/// </summary>
public sealed class SpreadFanoutHub(FanoutSpread spread, FanoutHubConnections connections) : Hub
{
    /// <summary>The group of a channel: its name as a hash tag.</summary>
    public static string Group(string channel) => "{" + channel + "}";

    public override async Task OnConnectedAsync()
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, Group(spread.Next()));
        connections.Joined();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        connections.Left();
        return Task.CompletedTask;
    }
}
