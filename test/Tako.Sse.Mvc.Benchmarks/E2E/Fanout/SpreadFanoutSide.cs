using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>
/// A side of the fanout-cluster run: subscribers spread over many channels (<see cref="FanoutSpread"/>), events
/// published to <see cref="Targets"/> in turn, the same small event as the other fan-out runs.
/// </summary>
internal abstract class SpreadFanoutSide(string name, string path, string clientMode) : FanoutSide(name, path, clientMode)
{
    /// <summary>Gets or sets the channels the next events go to, one after the other (all of them, or one master's).</summary>
    public IReadOnlyList<string> Targets { get; set; } = [];

    /// <summary>Ours (SSE streams through <see cref="ISseHub"/>), on whichever hub the server was given.</summary>
    public static SpreadFanoutSide Ours(string name) => new OursSide(name);

    /// <summary>SignalR: <see cref="SpreadFanoutHub"/>'s groups, one per channel.</summary>
    public static SpreadFanoutSide SignalR(string name) => new SignalRSide(name);

    protected string Target(long sequence) => Targets[(int)(sequence % Targets.Count)];

    private sealed class OursSide(string name) : SpreadFanoutSide(name, "fanout/spread", "sse")
    {
        public override int Subscribers(IServiceProvider services)
        {
            var hub = services.GetRequiredService<ISseHub>();
            return services.GetRequiredService<FanoutSpread>().Channels.Sum(hub.GetSubscriberCount);
        }

        public override async ValueTask PublishAsync(IServiceProvider services, long sequence, CancellationToken cancellationToken) =>
            await services.GetRequiredService<ISseHub>().PublishAsync(
                Target(sequence), SseEvent.FromData(FanoutSides.Payload(sequence)).WithEvent(FanoutSides.EventName), cancellationToken);
    }

    private sealed class SignalRSide(string name) : SpreadFanoutSide(name, "fanout/spread-hub", "signalr")
    {
        public override int Subscribers(IServiceProvider services) => services.GetRequiredService<FanoutHubConnections>().Count;

        public override async ValueTask PublishAsync(IServiceProvider services, long sequence, CancellationToken cancellationToken) =>
            await services.GetRequiredService<IHubContext<SpreadFanoutHub>>().Clients.Group(SpreadFanoutHub.Group(Target(sequence)))
                .SendAsync(FanoutSides.HubMethod, FanoutSides.Payload(sequence), cancellationToken);
    }
}
