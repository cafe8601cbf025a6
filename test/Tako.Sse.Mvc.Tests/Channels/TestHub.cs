using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc.Tests.Channels;

/// <summary>An <see cref="InMemorySseHub"/> on the real encoder, a given clock and a fixed epoch.</summary>
internal static class TestHub
{
    public const string Epoch = "0123456789abcdef";

    private static readonly IMeterFactory s_meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    public static InMemorySseHub Create(TimeProvider time, Action<SseChannelOptions>? configure = null)
    {
        var options = new SseChannelOptions();
        configure?.Invoke(options);
        return new InMemorySseHub(
            new SseEncoder(Options.Create(new TakoSseOptions())),
            options,
            time,
            new SseChannelMetrics(s_meters),
            NullLogger.Instance,
            new SseEventIds(Epoch));
    }

    /// <summary>Subscribes; without an id, takes the opening position frame, so the next frame is the first event.</summary>
    public static SseSubscriber Subscribe(this InMemorySseHub hub, string channel, string? lastEventId = null, Action? abort = null)
    {
        var subscriber = hub.Subscribe(channel, lastEventId, abort ?? (() => { }));
        if (lastEventId is null)
        {
            subscriber.SkipPosition();
        }

        return subscriber;
    }

    /// <summary>Takes the id-only frame a subscription without an id opens with.</summary>
    public static void SkipPosition(this SseSubscriber subscriber)
    {
        var next = subscriber.MoveNextAsync();
        if (!next.IsCompleted || !next.Result || subscriber.Current.IsEvent || !subscriber.Current.Bytes.AsSpan().StartsWith("id: "u8))
        {
            throw new InvalidOperationException("The subscription did not open with its position.");
        }
    }

    /// <summary>Takes every frame ready now, without waiting.</summary>
    public static List<string> TakeReady(this SseSubscriber subscriber)
    {
        var frames = new List<string>();
        while (true)
        {
            var next = subscriber.MoveNextAsync();
            if (!next.IsCompleted)
            {
                return frames;
            }

            if (!next.Result)
            {
                return frames;
            }

            frames.Add(Encoding.UTF8.GetString(subscriber.Current.Bytes));
        }
    }
}
