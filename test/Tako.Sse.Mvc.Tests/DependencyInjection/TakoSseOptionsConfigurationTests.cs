using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc.Tests.DependencyInjection;

/// <summary>Durations that cannot surprise, "off" spelled explicitly, and unknown keys under Tako:Sse.</summary>
public class TakoSseOptionsConfigurationTests
{
    public static TheoryData<string, Action<TakoSseOptions>> OutOfRangeDurations() => new()
    {
        { "KeepAlive", o => o.KeepAlive = TimeSpan.FromSeconds(-1) },
        { "KeepAlive", o => o.KeepAlive = TimeSpan.FromHours(1) + TimeSpan.FromTicks(1) },
        { "Retry", o => o.Retry = TimeSpan.FromDays(2) },
        { "WriteTimeout", o => o.WriteTimeout = TimeSpan.FromMilliseconds(-1) },
        { "WriteTimeout", o => o.WriteTimeout = TimeSpan.FromHours(2) },
    };

    [Theory]
    [MemberData(nameof(OutOfRangeDurations))]
    public async Task StartAsync_DurationNegativeOrOverAnHour_FailsNamingOptionAndFormat(string option, Action<TakoSseOptions> configure)
    {
        var builder = CreateHostBuilder();
        builder.Services.AddTakoSse(configure);

        var message = await StartFailureAsync(builder);

        message.Should().Contain($"TakoSseOptions.{option}").And.Contain($"\"{option}\": \"00:00:").And.Contain("hh:mm:ss");
    }

    [Theory]
    [InlineData("KeepAlive")]
    [InlineData("Retry")]
    [InlineData("WriteTimeout")]
    public async Task StartAsync_BareNumberInConfiguration_FailsSayingItMeansDays(string option)
    {
        var builder = CreateHostBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [$"Tako:Sse:{option}"] = "2" });
        builder.Services.AddTakoSse();

        var message = await StartFailureAsync(builder);

        message.Should().Contain($"TakoSseOptions.{option}").And.Contain("2.00:00:00").And.Contain("\"2\" means 2 days");
    }

    [Theory]
    [InlineData("")]
    [InlineData("off")]
    [InlineData(" OFF ")]
    public async Task Bind_EmptyOrOffInConfiguration_TurnsEveryDurationOff(string off)
    {
        var builder = CreateHostBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Tako:Sse:KeepAlive"] = off,
            ["Tako:Sse:Retry"] = off,
            ["Tako:Sse:WriteTimeout"] = off,
            ["Tako:Sse:KeepAliveComment"] = "ping",
        });
        builder.Services.AddTakoSse();
        using var host = builder.Build();

        await host.StartAsync();
        var options = host.Services.GetRequiredService<IOptions<TakoSseOptions>>().Value;
        await host.StopAsync();

        options.KeepAlive.Should().BeNull();
        options.Retry.Should().BeNull();
        options.WriteTimeout.Should().BeNull();
        options.KeepAliveComment.Should().Be("ping");
    }

    [Fact]
    public async Task StartAsync_ZeroAndExactlyOneHour_Starts()
    {
        var builder = CreateHostBuilder();
        builder.Services.AddTakoSse(o =>
        {
            o.KeepAlive = TimeSpan.Zero;
            o.Retry = TimeSpan.FromHours(1);
            o.WriteTimeout = TimeSpan.FromHours(1);
        });
        using var host = builder.Build();

        await host.StartAsync();
        await host.StopAsync();
    }

    [Fact]
    public async Task StartAsync_OffForANonDuration_IsNotTurnedIntoEmpty()
    {
        var builder = CreateHostBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Tako:Sse:KeepAliveComment"] = "off" });
        builder.Services.AddTakoSse();
        using var host = builder.Build();

        await host.StartAsync();
        var options = host.Services.GetRequiredService<IOptions<TakoSseOptions>>().Value;
        await host.StopAsync();

        options.KeepAliveComment.Should().Be("off");
    }

    [Fact]
    public async Task StartAsync_UnknownKeysUnderTakoSse_FailsNamingThemAndTheKnownKeys()
    {
        var builder = CreateHostBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Tako:Sse:KeepAliv"] = "00:00:10",
            ["Tako:Sse:Nested:Thing"] = "1",
            ["Tako:Sse:keepalive"] = "00:00:10",
            ["Tako:Other"] = "not ours",
        });
        builder.Services.AddTakoSse();

        var message = await StartFailureAsync(builder);

        message.Should().Contain("'Tako:Sse:KeepAliv'").And.Contain("'Tako:Sse:Nested'")
            .And.Contain("Known keys: ").And.Contain("KeepAlive").And.Contain("WriteTimeout");
        message.Should().NotContain("'Tako:Sse:keepalive'").And.NotContain("Tako:Other");
    }

    [Fact]
    public void Known_EveryPublicOptionProperty_IsAKeyOrASectionOfKeys()
    {
        var properties = typeof(TakoSseOptions).GetProperties().Select(p => p.Name);
        var known = TakoSseConfigurationKeys.Known.ToList();

        // A sub-object (Channels) is a section: its own properties are the keys.
        properties.Should().OnlyContain(p => known.Contains(p) || known.Any(k => k.StartsWith(p + ":", StringComparison.Ordinal)));
        known.Should().Contain(typeof(SseChannelOptions).GetProperties().Select(p => "Channels:" + p.Name));
    }

    private static async Task<string> StartFailureAsync(HostApplicationBuilder builder)
    {
        using var host = builder.Build();
        var start = () => host.StartAsync();
        return (await start.Should().ThrowExactlyAsync<OptionsValidationException>()).Which.Message;
    }

    private static HostApplicationBuilder CreateHostBuilder() => new(new HostApplicationBuilderSettings { DisableDefaults = true });
}
