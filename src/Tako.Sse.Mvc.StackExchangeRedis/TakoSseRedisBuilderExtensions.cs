using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Tako.Sse.Mvc;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Puts the channels of Tako.Sse.Mvc on Redis, so that several instances of an application share them.</summary>
public static class TakoSseRedisBuilderExtensions
{
    /// <summary>
    /// Replaces the in-memory <see cref="ISseHub"/> with one on Redis at <paramref name="redisConnectionString"/>:
    /// a publication on any instance reaches the channel's subscribers on every instance, in one order, and a
    /// browser resumes on any instance. Nothing else in the application changes.
    /// </summary>
    /// <param name="builder">The builder that <c>services.AddTakoSse()</c> returned.</param>
    /// <param name="redisConnectionString">A StackExchange.Redis configuration string, such as <c>127.0.0.1:6379</c>.</param>
    /// <returns>The same builder.</returns>
    public static ITakoSseBuilder AddStackExchangeRedis(this ITakoSseBuilder builder, string redisConnectionString) =>
        AddStackExchangeRedis(builder, redisConnectionString, static _ => { });

    /// <summary>
    /// Replaces the in-memory <see cref="ISseHub"/> with one on Redis at <paramref name="redisConnectionString"/>
    /// and configures it further, for example <c>o =&gt; o.KeyPrefix = "myapp:sse:"</c>.
    /// </summary>
    /// <param name="builder">The builder that <c>services.AddTakoSse()</c> returned.</param>
    /// <param name="redisConnectionString">A StackExchange.Redis configuration string, such as <c>127.0.0.1:6379</c>.</param>
    /// <param name="configure">Sets the options after the connection string has been parsed into <see cref="TakoSseRedisOptions.Configuration"/>.</param>
    /// <returns>The same builder.</returns>
    public static ITakoSseBuilder AddStackExchangeRedis(this ITakoSseBuilder builder, string redisConnectionString, Action<TakoSseRedisOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(redisConnectionString);
        ArgumentNullException.ThrowIfNull(configure);

        return AddStackExchangeRedis(builder, o =>
        {
            o.Configuration = ConfigurationOptions.Parse(redisConnectionString);
            configure(o);
        });
    }

    /// <summary>
    /// Replaces the in-memory <see cref="ISseHub"/> with one on Redis, configured entirely by
    /// <paramref name="configure"/> (set <see cref="TakoSseRedisOptions.Configuration"/> or
    /// <see cref="TakoSseRedisOptions.ConnectionFactory"/>).
    /// </summary>
    /// <param name="builder">The builder that <c>services.AddTakoSse()</c> returned.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same builder.</returns>
    public static ITakoSseBuilder AddStackExchangeRedis(this ITakoSseBuilder builder, Action<TakoSseRedisOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);

        var services = builder.Services;
        services.AddOptions<TakoSseRedisOptions>().ValidateOnStart();
        services.Configure(configure);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TakoSseRedisOptions>, TakoSseRedisOptionsValidator>());

        // AddTakoSse registered the in-memory hub with TryAdd; asking for Redis is asking to replace it.
        services.RemoveAll<ISseHub>();
        services.TryAddSingleton<RedisSseHub>();
        services.AddSingleton<ISseHub>(static s => s.GetRequiredService<RedisSseHub>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RedisConnectionStartup>());
        return builder;
    }
}
