using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc;

/// <summary>Executes <see cref="SseActionResult"/>s with the shared services, as MVC does for its own results.</summary>
internal sealed class SseActionResultExecutor : IActionResultExecutor<SseActionResult>
{
    private readonly ISseEncoder _encoder;
    private readonly TakoSseOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly SseMetrics _metrics;
    private readonly ILogger _logger;
    private readonly IHostApplicationLifetime? _lifetime;

    public SseActionResultExecutor(
        ISseEncoder encoder,
        IOptions<TakoSseOptions> options,
        TimeProvider timeProvider,
        SseMetrics metrics,
        ILoggerFactory loggerFactory,
        IHostApplicationLifetime? lifetime = null)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _encoder = encoder;
        _options = options.Value;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = loggerFactory.CreateLogger(typeof(SseActionResult).FullName!);
        _lifetime = lifetime;
    }

    // One fallback executor per application (keyed on its options singleton), not one per request.
    private static readonly ConditionalWeakTable<IOptions<TakoSseOptions>, SseActionResultExecutor> s_fallbacks = new();

    /// <summary>
    /// Gets an executor on the defaults, for an app that did not call <c>AddTakoSse</c>. It is built once per
    /// application from the app's singletons (its options, logger factory, lifetime) and reused.
    /// </summary>
    public static SseActionResultExecutor CreateFallback(IServiceProvider services)
    {
        var options = services.GetService<IOptions<TakoSseOptions>>();
        return options is null
            ? Build(services, Options.Create(new TakoSseOptions()))
            : s_fallbacks.GetValue(options, o => Build(services, o));

        static SseActionResultExecutor Build(IServiceProvider services, IOptions<TakoSseOptions> options) => new(
            services.GetService<ISseEncoder>() ?? new SseEncoder(options),
            options,
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetService<SseMetrics>() ?? SseMetrics.Fallback,
            services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            services.GetService<IHostApplicationLifetime>());
    }

    public Task ExecuteAsync(ActionContext context, SseActionResult result)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(result);
        return ExecuteAsync(context.HttpContext, result, fromMvc: true);
    }

    public Task ExecuteAsync(HttpContext context, SseActionResult result, bool fromMvc)
    {
        // Who may subscribe is decided before the stream exists: a refused request gets a bare 401/403 (a
        // throwing authorizer a 500), no event-stream header, and no subscriber.
        return result.Source switch
        {
            SseChannelSource one => AdmitThenStreamAsync(context, result, [one.Channel], fromMvc),
            SseMultiChannelSource many => CheckThenStreamAsync(context, result, many.Channels, fromMvc),
            _ => StreamAsync(context, result, fromMvc),
        };
    }

    // A list from the client is checked first: a bad one is a 400, before anyone is asked about its channels.
    private Task CheckThenStreamAsync(HttpContext context, SseActionResult result, string[] channels, bool fromMvc)
    {
        return SseChannelList.FindProblem(channels, _options.Channels.MaxChannelsPerSubscription) is { } problem
            ? SseChannelAuthorization.For(context.RequestServices).RefuseListAsync(context, problem)
            : AdmitThenStreamAsync(context, result, channels, fromMvc);
    }

    private Task AdmitThenStreamAsync(HttpContext context, SseActionResult result, string[] channels, bool fromMvc)
    {
        // Nearly every admission is decided at once (no authorizer, or one that does not wait): the stream's own
        // task is then the request's, with no state machine of ours held beside it for the stream's whole life
        // (144 bytes per subscriber).
        var admitted = SseChannelAuthorization.For(context.RequestServices).AdmitAsync(context, channels);
        if (!admitted.IsCompleted)
        {
            return StreamOnceAdmittedAsync(admitted, context, result, fromMvc);
        }

        return admitted.Result ? StreamAsync(context, result, fromMvc) : Task.CompletedTask;
    }

    private async Task StreamOnceAdmittedAsync(ValueTask<bool> admitted, HttpContext context, SseActionResult result, bool fromMvc)
    {
        if (await admitted)
        {
            await StreamAsync(context, result, fromMvc);
        }
    }

    private Task StreamAsync(HttpContext context, SseActionResult result, bool fromMvc)
    {
        var stream = new SseStream(
            context,
            fromMvc,
            _encoder,
            result.KeepAlive ?? _options.KeepAlive,
            _options.Retry,
            _options.WriteTimeout,
            SseAuthenticationExpiry.For(context, _options.CloseOnAuthenticationExpiration, _timeProvider),
            _timeProvider,
            _metrics,
            _logger,
            _lifetime?.ApplicationStopping ?? CancellationToken.None);

        // The source hands its items and their writer to the stream, which runs them.
        return result.Source.RunAsync(stream);
    }
}
