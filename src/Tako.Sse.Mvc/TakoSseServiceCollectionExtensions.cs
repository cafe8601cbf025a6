using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Tako.Sse.Mvc;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Tako.Sse.Mvc in an <see cref="IServiceCollection"/>.</summary>
public static class TakoSseServiceCollectionExtensions
{
    /// <summary>
    /// Registers the shared <see cref="ISseEncoder"/>, <see cref="TakoSseOptions"/> (bound from the
    /// <c>Tako:Sse</c> configuration section when there is one, and validated at start-up), the
    /// <see cref="SseActionResult"/> executor, the in-memory <see cref="ISseHub"/> of channels, the model binder
    /// of <c>[FromHeader(Name = "Last-Event-ID")]</c>, and <see cref="TimeProvider.System"/> unless a
    /// <see cref="TimeProvider"/> is already registered. Calling it more than once is harmless, and an
    /// <see cref="ISseEncoder"/> or <see cref="ISseHub"/> you register yourself, before or after, wins.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>A builder on the same service collection, for packages that add to Tako.Sse.Mvc.</returns>
    public static ITakoSseBuilder AddTakoSse(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<TakoSseOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<TakoSseOptions>, TakoSseConfigurationBinder>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TakoSseOptions>, TakoSseOptionsValidator>());
        services.TryAddSingleton<ISseEncoder, SseEncoder>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SseMetrics>();

        // Channels: one hub per application, in memory unless the user or a backplane registers another.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TakoSseOptions>, SseChannelOptionsValidator>());
        services.TryAddSingleton<SseChannelMetrics>();
        services.TryAddSingleton<ISseHub, InMemorySseHub>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<TakoSseOptions>, SseHubJsonOptionsSetup>());

        // Who may subscribe: the user-channel rule, then the authorizers of AddChannelAuthorizer; and the re-check
        // of open streams by the same rules (ReauthorizeInterval).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TakoSseOptions>, SseChannelAuthorizationOptionsValidator>());
        services.TryAddSingleton<SseSubscriptionRefusalMetrics>();
        services.TryAddSingleton<SseChannelAuthorization>();
        services.TryAddSingleton<SseChannelReauthorization>();

        // A host registers these already; a bare ServiceCollection (tests, tools) must resolve the executor too.
        // Both only TryAdd.
        services.AddLogging();
        services.AddMetrics();
        services.TryAddSingleton<IActionResultExecutor<SseActionResult>, SseActionResultExecutor>();

        // Trimmed, Latin-1-aware binding of [FromHeader(Name = "Last-Event-ID")]; inert when MVC is not used.
        services.TryAddEnumerable(ServiceDescriptor.Transient<IConfigureOptions<MvcOptions>, LastEventIdMvcOptionsSetup>());

        // OpenAPI: what [ProducesServerSentEvents] / .ProducesServerSentEvents<T>() declare; inert without an API explorer.
        services.TryAddEnumerable(ServiceDescriptor.Transient<IApiDescriptionProvider, SseApiDescriptionProvider>());

        // [FromLastEventId] cannot work in a minimal API: say so at start-up rather than bind the wrong value.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupFilter, LastEventIdEndpointCheck>());
        return new TakoSseBuilder(services);
    }

    /// <summary>
    /// Registers Tako.Sse.Mvc as <see cref="AddTakoSse(IServiceCollection)"/> does and configures its options.
    /// The delegate runs after configuration binding, so values set in code win.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options, for example <c>o =&gt; o.KeepAlive = TimeSpan.FromSeconds(10)</c>.</param>
    /// <returns>A builder on the same service collection, for packages that add to Tako.Sse.Mvc.</returns>
    public static ITakoSseBuilder AddTakoSse(this IServiceCollection services, Action<TakoSseOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        var builder = services.AddTakoSse();
        services.Configure(configure);
        return builder;
    }
}
