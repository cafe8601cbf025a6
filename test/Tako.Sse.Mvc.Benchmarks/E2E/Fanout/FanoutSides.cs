using System.Globalization;
using System.Net.ServerSentEvents;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>One side of the fan-out run: where its subscribers connect, how it publishes, how many it holds.</summary>
internal abstract class FanoutSide(string name, string path, string clientMode)
{
    public string Name => name;

    public string Path => path;

    /// <summary>The child process's mode: <c>sse</c> (raw HTTP/1.1 streams) or <c>signalr</c>.</summary>
    public string ClientMode => clientMode;

    public abstract int Subscribers(IServiceProvider services);

    public abstract ValueTask PublishAsync(IServiceProvider services, long sequence, CancellationToken cancellationToken);
}

/// <summary>The three sides and the small event they all publish.</summary>
internal static class FanoutSides
{
    public const string Channel = "fanout";
    public const string EventName = "tick";
    public const string HubMethod = "tick";

    public static readonly FanoutSide Ours = new OursSide();
    public static readonly FanoutSide Naive = new NaiveSide();
    public static readonly FanoutSide SignalR = new SignalRSide();

    public static IReadOnlyList<FanoutSide> All => [Ours, Naive, SignalR];

    /// <summary>A small JSON payload, different for every event.</summary>
    public static string Payload(long sequence) =>
        string.Create(CultureInfo.InvariantCulture, $$"""{"seq":{{sequence}},"price":{{100 + (sequence % 97)}}.25}""");

    private sealed class OursSide() : FanoutSide("ours", "fanout/ours", "sse")
    {
        public override int Subscribers(IServiceProvider services) => services.GetRequiredService<ISseHub>().GetSubscriberCount(Channel);

        public override async ValueTask PublishAsync(IServiceProvider services, long sequence, CancellationToken cancellationToken) =>
            await services.GetRequiredService<ISseHub>().PublishAsync(Channel, SseEvent.FromData(Payload(sequence)).WithEvent(EventName), cancellationToken);
    }

    private sealed class NaiveSide() : FanoutSide("naive", "fanout/naive", "sse")
    {
        public override int Subscribers(IServiceProvider services) => services.GetRequiredService<NaiveFanout>().Count;

        // The naive side numbers its events itself, as an application without a hub has to.
        public override ValueTask PublishAsync(IServiceProvider services, long sequence, CancellationToken cancellationToken)
        {
            services.GetRequiredService<NaiveFanout>().Publish(
                new SseItem<string>(Payload(sequence), EventName) { EventId = sequence.ToString(CultureInfo.InvariantCulture) });
            return ValueTask.CompletedTask;
        }
    }

    private sealed class SignalRSide() : FanoutSide("SignalR", "fanout/hub", "signalr")
    {
        public override int Subscribers(IServiceProvider services) => services.GetRequiredService<FanoutHubConnections>().Count;

        public override async ValueTask PublishAsync(IServiceProvider services, long sequence, CancellationToken cancellationToken) =>
            await services.GetRequiredService<IHubContext<FanoutHub>>().Clients.Group(FanoutHub.Group).SendAsync(HubMethod, Payload(sequence), cancellationToken);
    }
}
