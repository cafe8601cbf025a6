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

    /// <summary>
    /// The child process's mode: <c>sse</c> (raw HTTP/1.1 streams, open once the response has started),
    /// <c>sse-sent</c> (the same, open once the request is sent: the server's count says when it is ready) or
    /// <c>signalr</c>.
    /// </summary>
    public string ClientMode => clientMode;

    public abstract int Subscribers(IServiceProvider services);

    public abstract ValueTask PublishAsync(IServiceProvider services, long sequence, CancellationToken cancellationToken);

    /// <summary>Starts counting the writes that carry events to the responses, or <see langword="null"/> for a side that does not.</summary>
    public virtual FanoutWrites? CountWrites(IServiceProvider services) => null;
}

/// <summary>The four sides and the small event they all publish.</summary>
internal static class FanoutSides
{
    public const string Channel = "fanout";
    public const string EventName = "tick";
    public const string HubMethod = "tick";

    public static readonly FanoutSide Ours = new OursSide();
    public static readonly FanoutSide Naive = new NaiveSide();
    public static readonly FanoutSide SignalR = new SignalRSide();
    public static readonly FanoutSide Bare = new BareSide();

    /// <summary>Ours with each subscriber on the shared channel and <see cref="OwnChannels"/> silent ones of its own, one stream.</summary>
    public static readonly FanoutSide Multi = new MultiSide();

    /// <summary>The silent channels of each subscriber of <see cref="Multi"/>, besides the shared one.</summary>
    public const int OwnChannels = 7;

    /// <summary>Gets the four sides of the main table; <see cref="Multi"/> is compared with <see cref="Ours"/> in a table of its own.</summary>
    public static IReadOnlyList<FanoutSide> All => [Ours, Naive, SignalR, Bare];

    /// <summary>A small JSON payload, different for every event.</summary>
    public static string Payload(long sequence) =>
        string.Create(CultureInfo.InvariantCulture, $$"""{"seq":{{sequence}},"price":{{100 + (sequence % 97)}}.25}""");

    private sealed class OursSide() : FanoutSide("ours", "fanout/ours", "sse")
    {
        public override int Subscribers(IServiceProvider services) => services.GetRequiredService<ISseHub>().GetSubscriberCount(Channel);

        public override async ValueTask PublishAsync(IServiceProvider services, long sequence, CancellationToken cancellationToken) =>
            await services.GetRequiredService<ISseHub>().PublishAsync(Channel, SseEvent.FromData(Payload(sequence)).WithEvent(EventName), cancellationToken);

        public override FanoutWrites CountWrites(IServiceProvider services) => new FanoutWrites.OfStreams();
    }

    private sealed class MultiSide() : FanoutSide("multi", "fanout/multi", "sse")
    {
        public override int Subscribers(IServiceProvider services) => Ours.Subscribers(services);

        public override ValueTask PublishAsync(IServiceProvider services, long sequence, CancellationToken cancellationToken) =>
            Ours.PublishAsync(services, sequence, cancellationToken);

        public override FanoutWrites? CountWrites(IServiceProvider services) => Ours.CountWrites(services);
    }

    // The built-in result sends its headers with its first event, and nothing is published before every
    // subscriber has joined: its readiness is its own subscriber count, not a started response.
    private sealed class NaiveSide() : FanoutSide("naive", "fanout/naive", "sse-sent")
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

    private sealed class BareSide() : FanoutSide("bare", "fanout/bare", "sse")
    {
        public override int Subscribers(IServiceProvider services) => services.GetRequiredService<BareRingFanout>().Count;

        public override ValueTask PublishAsync(IServiceProvider services, long sequence, CancellationToken cancellationToken)
        {
            services.GetRequiredService<BareRingFanout>().Publish(EventName, Payload(sequence));
            return ValueTask.CompletedTask;
        }

        public override FanoutWrites CountWrites(IServiceProvider services) => new FanoutWrites.OfBareRing(services.GetRequiredService<BareRingFanout>());
    }
}
