using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Tako.Sse.Mvc;

/// <summary>
/// The source of <see cref="SseActionResult.Subscribe"/>: the request's subscription to a channel, run by the
/// same stream loop as every other result (headers, keep-alive, disconnect, shutdown, write timeout, metrics).
/// </summary>
internal sealed class SseChannelSource(string channel, string? lastEventId) : SseSource
{
    public string Channel => channel;

    public string? LastEventId => lastEventId;

    public override Task RunAsync(SseStream stream, HttpContext context, bool fromMvc)
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

        return stream.RunAsync(new Subscription(channels, channel, lastEventId, context), default(SseChannelFrameWriter));
    }

    // Subscribes when the loop starts reading (after the headers went out), so a request that never gets that
    // far leaves no subscriber behind; the loop disposes the enumerator, which unsubscribes.
    private sealed class Subscription(SseChannelHub hub, string channel, string? lastEventId, HttpContext context) : IAsyncEnumerable<SseChannelFrame>
    {
        public IAsyncEnumerator<SseChannelFrame> GetAsyncEnumerator(CancellationToken cancellationToken = default)
        {
            var subscriber = hub.Subscribe(channel, lastEventId, context.Abort);
            subscriber.EndOn(cancellationToken);
            return subscriber;
        }
    }
}
