using Microsoft.AspNetCore.SignalR;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>The SignalR baseline: every connection joins one group, and the publisher sends to the group.</summary>
public sealed class FanoutHub(FanoutHubConnections connections) : Hub
{
    public const string Group = "fanout";

    public override async Task OnConnectedAsync()
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, Group);
        connections.Joined();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        connections.Left();
        return Task.CompletedTask;
    }
}
