using Microsoft.Extensions.Diagnostics.HealthChecks;
using Tako.Sse.Mvc;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the health check of the Redis backplane of Tako.Sse.Mvc to an application's health checks.</summary>
public static class TakoSseRedisHealthChecksBuilderExtensions
{
    /// <summary>The name the check is registered under unless another is given: <c>tako-sse-redis</c>.</summary>
    public const string DefaultName = "tako-sse-redis";

    /// <summary>
    /// Adds a check of the Redis hub that <c>AddStackExchangeRedis</c> registered: <see cref="HealthStatus.Healthy"/>
    /// when Redis answers and the instance is subscribed, <see cref="HealthStatus.Degraded"/> while it catches its
    /// channels up after a reconnect, and <paramref name="failureStatus"/> when Redis cannot be reached (on a Redis
    /// Cluster: also while a master that serves slots is down). Each check sends one <c>PING</c> on the hub's own
    /// connection.
    /// </summary>
    /// <param name="builder">The builder that <c>services.AddHealthChecks()</c> returned.</param>
    /// <param name="name">The name of the check. Default: <see cref="DefaultName"/>.</param>
    /// <param name="failureStatus">The status reported when Redis cannot be reached. Default: <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to filter the check by, for example <c>["ready"]</c>.</param>
    /// <param name="timeout">How long the check may take before it counts as failed. Default: no timeout of its own.</param>
    /// <returns>The same builder.</returns>
    public static IHealthChecksBuilder AddTakoSseRedis(
        this IHealthChecksBuilder builder,
        string? name = null,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null,
        TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(
            name ?? DefaultName,
            static services => new RedisHealthCheck(services.GetRequiredService<RedisSseHub>()),
            failureStatus,
            tags,
            timeout));
    }
}
