using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Tako.Sse.Mvc.StackExchangeRedis.Tests;

/// <summary>AddStackExchangeRedis and its options, without a Redis server.</summary>
public sealed class RegistrationTests
{
    [Fact]
    public void AddStackExchangeRedis_AfterAddTakoSse_ReplacesTheInMemoryHub()
    {
        var services = new ServiceCollection();
        services.AddTakoSse().AddStackExchangeRedis("127.0.0.1:1");
        using var provider = services.BuildServiceProvider();

        var hub = provider.GetRequiredService<ISseHub>();

        hub.GetType().Name.Should().Be("RedisSseHub");
        services.Count(d => d.ServiceType == typeof(ISseHub)).Should().Be(1);
    }

    [Fact]
    public void AddStackExchangeRedis_ConnectionStringAndDelegate_ParsesThenConfigures()
    {
        var services = new ServiceCollection();
        services.AddTakoSse().AddStackExchangeRedis("127.0.0.1:6380,password=secret", o => o.KeyPrefix = "myapp:sse:");
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<TakoSseRedisOptions>>().Value;

        options.KeyPrefix.Should().Be("myapp:sse:");
        options.Configuration.EndPoints.Single().ToString().Should().Be("127.0.0.1:6380");
        options.Configuration.Password.Should().Be("secret");
    }

    [Fact]
    public void TakoSseRedisOptions_Defaults_PrefixTakoSseAndNoFactory()
    {
        var options = new TakoSseRedisOptions();

        options.KeyPrefix.Should().Be("tako:sse:");
        options.ConnectionFactory.Should().BeNull();
        options.Configuration.EndPoints.Should().BeEmpty();
    }

    [Fact]
    public void AddStackExchangeRedis_NoEndpointAndNoFactory_FailsValidationWithAClearMessage()
    {
        var services = new ServiceCollection();
        services.AddTakoSse().AddStackExchangeRedis(_ => { });
        using var provider = services.BuildServiceProvider();

        var read = () => provider.GetRequiredService<IOptions<TakoSseRedisOptions>>().Value;

        read.Should().Throw<OptionsValidationException>().WithMessage("*needs a Redis endpoint*");
    }

    [Fact]
    public void AddStackExchangeRedis_KeyPrefixWithControlCharacter_FailsValidation()
    {
        var services = new ServiceCollection();
        services.AddTakoSse().AddStackExchangeRedis("127.0.0.1:1", o => o.KeyPrefix = "a\nb");
        using var provider = services.BuildServiceProvider();

        var read = () => provider.GetRequiredService<IOptions<TakoSseRedisOptions>>().Value;

        read.Should().Throw<OptionsValidationException>().WithMessage("*KeyPrefix*control*");
    }

    [Fact]
    public void AddStackExchangeRedis_NullArguments_Throw()
    {
        var builder = new ServiceCollection().AddTakoSse();

        ((Action)(() => builder.AddStackExchangeRedis((string)null!))).Should().Throw<ArgumentNullException>();
        ((Action)(() => builder.AddStackExchangeRedis((Action<TakoSseRedisOptions>)null!))).Should().Throw<ArgumentNullException>();
        ((Action)(() => ((ITakoSseBuilder)null!).AddStackExchangeRedis("x"))).Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public async Task PublishAsync_ThroughTheConnectionFactory_UsesTheFactorysMultiplexer()
    {
        var calls = 0;
        var services = new ServiceCollection();
        services.AddTakoSse().AddStackExchangeRedis(o => o.ConnectionFactory = async log =>
        {
            Interlocked.Increment(ref calls);
            // Nothing listens on port 1: the factory's multiplexer is used, and publishing fails clearly.
            return await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { "127.0.0.1:1" }, AbortOnConnectFail = false, ConnectTimeout = 200, AsyncTimeout = 500 }, log);
        });
        await using var provider = services.BuildServiceProvider();
        var hub = provider.GetRequiredService<ISseHub>();

        var publish = () => hub.PublishAsync("c", SseEvent.FromData("x")).AsTask();

        (await publish.Should().ThrowAsync<Exception>()).Which.Should().Match<Exception>(e => e is RedisConnectionException || e is RedisTimeoutException);
        calls.Should().Be(1);
    }

    [Fact]
    public void AddStackExchangeRedis_ChannelPrefixInConfiguration_FailsValidationPointingToKeyPrefix()
    {
        var services = new ServiceCollection();
        services.AddTakoSse().AddStackExchangeRedis("127.0.0.1:1,channelPrefix=app:");
        using var provider = services.BuildServiceProvider();

        var read = () => provider.GetRequiredService<IOptions<TakoSseRedisOptions>>().Value;

        read.Should().Throw<OptionsValidationException>().WithMessage("*ChannelPrefix is not supported*KeyPrefix*");
    }
}
