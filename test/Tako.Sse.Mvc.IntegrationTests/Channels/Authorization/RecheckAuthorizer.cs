using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Channels.Authorization;

/// <summary>
/// An authorizer a test turns against a channel while its stream is open: it allows everything until told to
/// refuse, throw for, or hang on a channel, and counts how often each channel was asked.
/// </summary>
internal sealed class RecheckAuthorizer
{
    public const string ThrownMessage = "The permissions database is down.";

    private readonly ConcurrentDictionary<string, int> _asked = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Behavior> _behaviors = new(StringComparer.Ordinal);

    public enum Behavior
    {
        Allow,
        Refuse,
        Throw,

        // Never answers and ignores its token: only the re-check's own bound ends the wait.
        Hang,
    }

    public int Asked(string channel) => _asked.TryGetValue(channel, out var count) ? count : 0;

    public void Set(string channel, Behavior behavior) => _behaviors[channel] = behavior;

    public ValueTask<bool> CanSubscribeAsync(HttpContext context, string channel)
    {
        _asked.AddOrUpdate(channel, 1, (_, count) => count + 1);
        return _behaviors.GetValueOrDefault(channel) switch
        {
            Behavior.Refuse => ValueTask.FromResult(false),
            Behavior.Throw => throw new InvalidOperationException(ThrownMessage),
            Behavior.Hang => new ValueTask<bool>(new TaskCompletionSource<bool>().Task),
            _ => ValueTask.FromResult(true),
        };
    }

    /// <summary>
    /// Starts the channels app with this authorizer, <paramref name="interval"/> as <c>ReauthorizeInterval</c>, and
    /// no timer of its own on the fake clock but the re-check's (no keep-alive, write timeout or history sweep).
    /// </summary>
    public Task<TestApp> StartAppAsync(ObservableTimeProvider time, TimeSpan? interval, Action<SseChannelOptions>? channels = null) =>
        ChannelsApp.StartAsync(
            c =>
            {
                c.HistoryMaxAge = null;
                c.ReauthorizeInterval = interval;
                channels?.Invoke(c);
            },
            time,
            services: s => s.AddTakoSse().AddChannelAuthorizer(CanSubscribeAsync),
            options: o =>
            {
                o.KeepAlive = null;
                o.WriteTimeout = null;
            });
}
