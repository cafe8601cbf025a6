using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc;

/// <summary>
/// Who may subscribe: decides, before a subscription's stream exists, whether the request may have every
/// channel it asks for. First the user-channel rule (<see cref="SseUserChannels"/>) for every channel, then
/// every registered <see cref="ISseChannelAuthorizer"/> for every channel, a few channels at a time. The same
/// rules re-check open streams (<see cref="SseChannelReauthorization"/>).
/// </summary>
/// <remarks>
/// The request's authorizers are resolved from its own services, so a scoped authorizer (and what it takes)
/// lives as long as the request. A refusal is answered here with a bare status code; the caller runs the
/// stream only when <see cref="AdmitAsync"/> says so, so a refused request never has an event-stream header
/// and never has a subscriber.
/// </remarks>
internal sealed class SseChannelAuthorization
{
    /// <summary>At most this many channels of one subscription are being asked about at once.</summary>
    internal const int MaxConcurrentChecks = 8;

    private readonly string _userIdClaimType;
    private readonly SseSubscriptionRefusalMetrics _metrics;
    private readonly ILogger _logger;

    public SseChannelAuthorization(IOptions<TakoSseOptions> options, SseSubscriptionRefusalMetrics metrics, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _userIdClaimType = options.Value.Channels.UserIdClaimType;
        _metrics = metrics;

        // The channels' category: refusals sit with the other channel entries (ids 30-49).
        _logger = loggerFactory.CreateLogger(typeof(ISseHub).FullName!);
    }

    /// <summary>Gets the application's instance, or one on the defaults for an app that did not call <c>AddTakoSse</c>.</summary>
    public static SseChannelAuthorization For(IServiceProvider services) =>
        services.GetService<SseChannelAuthorization>() ?? new SseChannelAuthorization(
            services.GetService<IOptions<TakoSseOptions>>() ?? Options.Create(new TakoSseOptions()),
            services.GetService<SseSubscriptionRefusalMetrics>() ?? SseSubscriptionRefusalMetrics.Fallback,
            services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance);

    /// <summary>
    /// Decides and, when the request is refused, answers it (status code, metric, log). Returns whether the
    /// subscription may go on. A client that leaves while an authorizer is being asked gets nothing.
    /// </summary>
    public async ValueTask<bool> AdmitAsync(HttpContext context, IReadOnlyList<string> channels)
    {
        SseSubscriptionRefusal? refusal;
        try
        {
            refusal = await AuthorizeAsync(context, channels, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return false;
        }

        if (refusal is null)
        {
            return true;
        }

        Refuse(context, refusal);
        return false;
    }

    /// <summary>
    /// Answers a request whose list of channels cannot be subscribed to (<see cref="SseChannelList"/>):
    /// <c>400</c> with a problem-details body saying why, counted and logged like the other refusals.
    /// </summary>
    public Task RefuseListAsync(HttpContext context, string problem)
    {
        _metrics.Refused(SseSubscriptionRefusal.ReasonBadList);
        Log.ChannelListRefused(_logger, problem);
        return TypedResults.Problem(detail: problem, statusCode: StatusCodes.Status400BadRequest, title: "Bad list of channels").ExecuteAsync(context);
    }

    /// <summary>Gets the claim type of the user-channel rule, for logs.</summary>
    public string UserIdClaimType => _userIdClaimType;

    /// <summary>Decides: <see langword="null"/> when every channel is allowed, else the first refusal found.</summary>
    public ValueTask<SseSubscriptionRefusal?> AuthorizeAsync(HttpContext context, IReadOnlyList<string> channels, CancellationToken cancellationToken)
    {
        // The rule that needs no code comes first, for every channel: an anonymous request for someone's
        // notifications never reaches the application's authorizers (nor its database).
        foreach (var channel in channels)
        {
            if (RefuseUserChannel(context, channel) is { } refusal)
            {
                return ValueTask.FromResult<SseSubscriptionRefusal?>(refusal);
            }
        }

        var authorizers = AuthorizersOf(context);
        if (authorizers.Length == 0 || channels.Count == 0)
        {
            return ValueTask.FromResult<SseSubscriptionRefusal?>(null);
        }

        return channels.Count == 1
            ? AskAsync(context, channels[0], authorizers, cancellationToken)
            : AskConcurrentlyAsync(context, channels, authorizers, cancellationToken);
    }

    private static async ValueTask<SseSubscriptionRefusal?> AskConcurrentlyAsync(
        HttpContext context, IReadOnlyList<string> channels, ISseChannelAuthorizer[] authorizers, CancellationToken cancellationToken)
    {
        // The first refusal (or failure) decides; the questions still out are cancelled, their answers ignored.
        using var decided = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        SseSubscriptionRefusal? first = null;
        var next = -1;

        async Task WorkAsync()
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < channels.Count && !decided.IsCancellationRequested)
            {
                SseSubscriptionRefusal? refusal;
                try
                {
                    refusal = await AskAsync(context, channels[index], authorizers, decided.Token);
                }
                catch (OperationCanceledException) when (decided.IsCancellationRequested)
                {
                    return;
                }

                if (refusal is not null)
                {
                    if (Interlocked.CompareExchange(ref first, refusal, null) is null)
                    {
                        await decided.CancelAsync();
                    }

                    return;
                }
            }
        }

        var workers = new Task[Math.Min(MaxConcurrentChecks, channels.Count)];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = WorkAsync();
        }

        await Task.WhenAll(workers);
        if (first is null)
        {
            // Nothing decided because the client left: not an answer of "allowed".
            cancellationToken.ThrowIfCancellationRequested();
        }

        return first;
    }

    /// <summary>The user-channel rule for one channel: the refusal, or <see langword="null"/> when it allows it.</summary>
    public SseSubscriptionRefusal? RefuseUserChannel(HttpContext context, string channel) =>
        SseUserChannels.TryGetUserIds(channel, out var ids) && !SseUserChannels.IsOneOf(context.User, _userIdClaimType, ids)
            ? new(SseSubscriptionRefusal.ReasonUserChannel, channel, RefusedStatus(context))
            : null;

    /// <summary>The request's authorizers, from its own services (a scoped one lives as long as the request).</summary>
    internal static ISseChannelAuthorizer[] AuthorizersOf(HttpContext context) =>
        context.RequestServices?.GetService<IEnumerable<ISseChannelAuthorizer>>() switch
        {
            ISseChannelAuthorizer[] array => array,
            { } some => [.. some],
            null => [],
        };

    /// <summary>
    /// One channel: every authorizer in turn must allow it. Returns the refusal (<see cref="SseSubscriptionRefusal.ReasonAuthorizerFailed"/>
    /// for one that threw), or <see langword="null"/>; throws only when <paramref name="cancellationToken"/> fired.
    /// </summary>
    internal static async ValueTask<SseSubscriptionRefusal?> AskAsync(
        HttpContext context, string channel, ISseChannelAuthorizer[] authorizers, CancellationToken cancellationToken)
    {
        foreach (var authorizer in authorizers)
        {
            bool allowed;
            try
            {
                allowed = await authorizer.CanSubscribeAsync(context, channel, cancellationToken);
            }
            catch (Exception exception)
            {
                // Whatever it threw once the answer was no longer wanted is a consequence, not its failure.
                cancellationToken.ThrowIfCancellationRequested();
                return new(SseSubscriptionRefusal.ReasonAuthorizerFailed, channel, StatusCodes.Status500InternalServerError, authorizer, exception);
            }

            if (!allowed)
            {
                return new(SseSubscriptionRefusal.ReasonAuthorizer, channel, RefusedStatus(context), authorizer);
            }
        }

        return null;
    }

    private static int RefusedStatus(HttpContext context) =>
        SseUserChannels.IsSignedIn(context.User) ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized;

    private void Refuse(HttpContext context, SseSubscriptionRefusal refusal)
    {
        _metrics.Refused(refusal.Reason);
        switch (refusal.Reason)
        {
            case SseSubscriptionRefusal.ReasonUserChannel:
                Log.UserChannelRefused(_logger, refusal.Channel, refusal.StatusCode, _userIdClaimType);
                break;
            case SseSubscriptionRefusal.ReasonAuthorizer:
                Log.AuthorizerRefused(_logger, refusal.Channel, refusal.StatusCode, NameOf(refusal.Authorizer!));
                break;
            default:
                Log.AuthorizerFailed(_logger, NameOf(refusal.Authorizer!), refusal.Channel, refusal.Exception!);
                break;
        }

        // A bare status, not a challenge: a redirect to a login page means nothing to EventSource, and the
        // page learns all it can from the status (onerror, readyState CLOSED).
        if (!context.Response.HasStarted)
        {
            context.Response.StatusCode = refusal.StatusCode;
        }
    }

    /// <summary>Names an authorizer for logs: its type, or a delegate's method.</summary>
    internal static string NameOf(ISseChannelAuthorizer authorizer) => authorizer is SseDelegateChannelAuthorizer d
        ? $"{d.CanSubscribe.Method.DeclaringType?.FullName}.{d.CanSubscribe.Method.Name}"
        : authorizer.GetType().FullName ?? authorizer.GetType().Name;
}
