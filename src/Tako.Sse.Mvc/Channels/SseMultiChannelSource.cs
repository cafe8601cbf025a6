namespace Tako.Sse.Mvc;

/// <summary>
/// The source of <see cref="SseActionResult.Subscribe(IEnumerable{string}, string?)"/>: one request's
/// subscription to several channels, run by the same stream loop as every other result. Every frame goes out
/// with the subscription's cursor as its <c>id:</c> (<see cref="SseCursorFrameWriter"/>).
/// </summary>
/// <param name="channels">The channels as the client listed them (checked before the stream: <see cref="SseChannelList"/>).</param>
/// <param name="lastEventId">The client's cursor, or <see langword="null"/>.</param>
internal sealed class SseMultiChannelSource(string[] channels, string? lastEventId) : SseSource
{
    public string[] Channels => channels;

    public string? LastEventId => lastEventId;

    public override Task RunAsync(SseStream stream)
    {
        var context = stream.Context;
        var subscriber = SseChannelSource.Register(context, SseChannelSource.FindHub(context).SubscribeMany(channels, lastEventId, context.Abort));
        var recheck = SseChannelReauthorization.Watch(context, channels, subscriber);
        return stream.RunAsync(new SseChannelSource.Subscription(subscriber, recheck), new SseCursorFrameWriter(subscriber.Cursor!));
    }
}
