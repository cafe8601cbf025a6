using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Tako.Sse.Mvc;

/// <summary>
/// The source of <see cref="SseActionResult.Subscribe(string, string?)"/>: the request's subscription to a channel, run by the
/// same stream loop as every other result (headers, keep-alive, disconnect, shutdown, write timeout, metrics).
/// </summary>
internal sealed class SseChannelSource(string channel, string? lastEventId) : SseSource
{
    public string Channel => channel;

    public string? LastEventId => lastEventId;

    public override Task RunAsync(SseStream stream)
    {
        var context = stream.Context;
        var subscriber = Register(context, FindHub(context).Subscribe(channel, lastEventId, context.Abort));
        var recheck = SseChannelReauthorization.Watch(context, [channel], subscriber);
        return stream.RunAsync(new Subscription(subscriber, recheck), default(SseChannelFrameWriter));
    }

    /// <summary>Finds the hub that serves subscriptions, or throws what a 500 says.</summary>
    internal static SseChannelHub FindHub(HttpContext context)
    {
        // Resolved at execution, before the response starts: a missing or foreign hub is a 500 with a clear
        // message, not an event stream that never says anything.
        var hub = context.RequestServices.GetService<ISseHub>()
            ?? throw new InvalidOperationException($"{nameof(SseActionResult)}.{nameof(SseActionResult.Subscribe)} needs an {nameof(ISseHub)}: call services.AddTakoSse().");
        if (hub is not SseChannelHub channels)
        {
            throw new InvalidOperationException(
                $"The registered {nameof(ISseHub)} ({hub.GetType().FullName}) cannot serve {nameof(SseActionResult)}.{nameof(SseActionResult.Subscribe)}: "
                + "only the hub AddTakoSse registers, or a Tako.Sse.Mvc backplane, can. Remove your own ISseHub registration, or stream your events with new SseActionResult(events).");
        }

        return channels;
    }

    /// <summary>
    /// Ties a subscriber to its request. It is subscribed before the headers go out: once a client sees the
    /// response open (EventSource's onopen), every later publication reaches it. The frames published meanwhile
    /// wait in the subscriber's queue.
    /// </summary>
    internal static SseSubscriber Register(HttpContext context, SseSubscriber subscriber)
    {
        // The loop disposes the enumerator it got. This also covers a loop that ended before asking for it (the
        // headers could not be sent), and, being the end of the request, it is what stops a late Disconnect
        // from aborting the next request on a reused HttpContext.
        context.Response.RegisterForDisposeAsync(subscriber);
        return subscriber;
    }

    /// <summary>
    /// The subscriber as the stream loop reads it. The loop asks for it once the headers are out, which is when
    /// the re-check of its channels (<paramref name="recheck"/>, when on) starts.
    /// </summary>
    internal sealed class Subscription(SseSubscriber subscriber, SseSubscriptionRecheck? recheck) : IAsyncEnumerable<SseChannelFrame>, ISseDeferredOpening, ISseQueuedSource
    {
        public Task? Opening => subscriber.Opening;

        public IAsyncEnumerator<SseChannelFrame> GetAsyncEnumerator(CancellationToken cancellationToken = default)
        {
            subscriber.EndOn(cancellationToken);
            recheck?.Start(cancellationToken);
            return subscriber;
        }
    }
}
