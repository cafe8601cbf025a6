using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc;

/// <summary>
/// <see cref="SseChannelOptions.ReauthorizeInterval"/>: what every open subscription's re-check shares (the rules,
/// the schedule, the bound, the revoked events, metrics and logs). Each subscription gets its own
/// <see cref="SseSubscriptionRecheck"/> from <see cref="Watch"/>.
/// </summary>
/// <remarks>
/// The rules are those of subscribe time (<see cref="SseChannelAuthorization"/>): the user-channel rule, then every
/// authorizer of the request's own services, a few channels at a time. Unlike at subscribe time, one refusal does
/// not stop the others: every channel gets its answer, and only the refused ones leave.
/// </remarks>
internal sealed class SseChannelReauthorization
{
    /// <summary>The longest a re-check may take (when the interval is longer): then its channels stay.</summary>
    internal static readonly TimeSpan MaxRecheckTime = TimeSpan.FromSeconds(30);

    private readonly SseChannelAuthorization _authorization;
    private readonly SseSubscriptionRefusalMetrics _metrics;

    public SseChannelReauthorization(
        IOptions<TakoSseOptions> options,
        SseChannelAuthorization authorization,
        SseSubscriptionRefusalMetrics metrics,
        ISseEncoder encoder,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(authorization);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var channels = options.Value.Channels;
        if (channels.ReauthorizeInterval is { } interval)
        {
            Schedule = new SseRecheckSchedule(SseTimerWheel.ClampDueTime(interval));
            Timeout = interval < MaxRecheckTime ? interval : MaxRecheckTime;
        }

        _authorization = authorization;
        _metrics = metrics;
        RevokedEvents = new SseRevokedFrames(encoder, channels.RevokedEventName);
        TimeProvider = timeProvider;

        // The channels' category, beside the refusals at subscribe time.
        Logger = loggerFactory.CreateLogger(typeof(ISseHub).FullName!);
    }

    /// <summary>Gets when subscriptions are re-checked, or <see langword="null"/> when the re-check is off.</summary>
    public SseRecheckSchedule? Schedule { get; }

    /// <summary>Gets how long one re-check may take: the smaller of the interval and <see cref="MaxRecheckTime"/>.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Gets the builder of revoked events.</summary>
    public SseRevokedFrames RevokedEvents { get; }

    /// <summary>Gets the app's clock.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Gets the channels' logger (category <c>Tako.Sse.Mvc.ISseHub</c>).</summary>
    public ILogger Logger { get; }

    /// <summary>
    /// Starts watching a subscription, or returns <see langword="null"/> when the re-check is off (or the app did
    /// not call <c>AddTakoSse</c>). The watch ends with the response, which it is registered with.
    /// </summary>
    /// <param name="context">The subscription's request.</param>
    /// <param name="channels">Its channels; a slot of <paramref name="subscriber"/> is an index into it.</param>
    /// <param name="subscriber">The subscription.</param>
    public static SseSubscriptionRecheck? Watch(HttpContext context, string[] channels, SseSubscriber subscriber)
    {
        if (context.RequestServices?.GetService<SseChannelReauthorization>() is not { Schedule: not null } reauthorization)
        {
            return null;
        }

        var recheck = new SseSubscriptionRecheck(reauthorization, context, channels, subscriber);
        context.Response.RegisterForDisposeAsync(recheck);
        return recheck;
    }

    /// <summary>
    /// Asks about every channel, at most <see cref="SseChannelAuthorization.MaxConcurrentChecks"/> at once; each
    /// answer is written to <paramref name="answers"/> as it comes (<see langword="null"/>: no answer yet). Throws only
    /// when <paramref name="cancellationToken"/> fired.
    /// </summary>
    public async Task AskAsync(HttpContext context, string[] channels, SseRecheckAnswer?[] answers, CancellationToken cancellationToken)
    {
        var authorizers = SseChannelAuthorization.AuthorizersOf(context);
        var next = -1;

        async Task WorkAsync()
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < channels.Length)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var channel = channels[index];
                var refusal = _authorization.RefuseUserChannel(context, channel)
                    ?? await SseChannelAuthorization.AskAsync(context, channel, authorizers, cancellationToken);
                Volatile.Write(ref answers[index], new SseRecheckAnswer(refusal));
            }
        }

        var workers = new Task[Math.Min(SseChannelAuthorization.MaxConcurrentChecks, channels.Length)];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = WorkAsync();
        }

        await Task.WhenAll(workers);
    }

    /// <summary>A re-check refused a channel of an open stream, which has left it: counted and logged.</summary>
    public void ReportRevoked(SseSubscriptionRefusal refusal, int remaining)
    {
        _metrics.Revoked(refusal.Reason);
        var rule = refusal.Authorizer is { } authorizer ? SseChannelAuthorization.NameOf(authorizer) : _authorization.UserIdClaimType;
        Log.ChannelRevoked(Logger, refusal.Channel, refusal.Reason, rule, remaining);
    }
}
