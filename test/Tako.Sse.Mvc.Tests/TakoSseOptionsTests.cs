using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc.Tests;

public class TakoSseOptionsTests
{
    [Fact]
    public void Constructor_Defaults_MatchDesign()
    {
        var options = new TakoSseOptions();

        options.KeepAlive.Should().Be(TimeSpan.FromSeconds(15));
        options.KeepAliveComment.Should().Be("keepalive");
        options.Retry.Should().BeNull();
        options.CacheControl.Should().Be("no-cache, no-store, must-revalidate");
        options.WriteTimeout.Should().Be(TimeSpan.FromSeconds(30));
        options.CloseOnAuthenticationExpiration.Should().BeTrue();
        TakoSseOptions.SectionName.Should().Be("Tako:Sse");
    }

    public static TheoryData<string, Action<TakoSseOptions>> BadOptions() => new()
    {
        { "KeepAliveComment", o => o.KeepAliveComment = "keep\nalive" },
        { "KeepAliveComment", o => o.KeepAliveComment = "keep\ralive" },
        { "KeepAliveComment", o => o.KeepAliveComment = null! },
        { "CacheControl", o => o.CacheControl = "no-cache\r\nSet-Cookie: a=b" },
        { "CacheControl", o => o.CacheControl = "no-cache\n" },
        { "CacheControl", o => o.CacheControl = "" },
        { "CacheControl", o => o.CacheControl = "no-cache\u0000" },
        { "Retry", o => o.Retry = TimeSpan.FromMilliseconds(-1) },
        { "WriteTimeout", o => o.WriteTimeout = TimeSpan.FromSeconds(-1) },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public async Task StartAsync_BadOption_FailsNamingTheOption(string option, Action<TakoSseOptions> configure)
    {
        var builder = CreateHostBuilder();
        builder.Services.AddTakoSse(configure);
        using var host = builder.Build();

        var start = () => host.StartAsync();

        (await start.Should().ThrowExactlyAsync<OptionsValidationException>()).Which.Message.Should().Contain($"TakoSseOptions.{option}");
    }

    [Fact]
    public async Task StartAsync_GoodOptions_Starts()
    {
        var builder = CreateHostBuilder();
        builder.Services.AddTakoSse(o =>
        {
            o.KeepAlive = null;
            o.KeepAliveComment = "";
            o.Retry = TimeSpan.Zero;
            o.CacheControl = "no-cache";
        });
        using var host = builder.Build();

        await host.StartAsync();
        await host.StopAsync();
    }

    [Fact]
    public void Validate_SeveralBadOptions_ReportsEach()
    {
        var result = new TakoSseOptionsValidator().Validate(null, new TakoSseOptions { KeepAliveComment = "\n", CacheControl = "\n", Retry = TimeSpan.FromSeconds(-1) });

        result.Failed.Should().BeTrue();
        result.Failures.Should().HaveCount(3);
    }

    [Fact]
    public void Bind_AppSettingsSection_SetsEveryOption()
    {
        const string json = """
            {
              "Tako": {
                "Sse": {
                  "KeepAlive": "00:00:05",
                  "Retry": "00:00:03",
                  "KeepAliveComment": "ping",
                  "CacheControl": "no-cache",
                  "WriteTimeout": "00:00:07",
                  "CloseOnAuthenticationExpiration": false
                }
              }
            }
            """;
        var builder = CreateHostBuilder();
        builder.Configuration.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        builder.Services.AddTakoSse();
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<IOptions<TakoSseOptions>>().Value;

        options.KeepAlive.Should().Be(TimeSpan.FromSeconds(5));
        options.Retry.Should().Be(TimeSpan.FromSeconds(3));
        options.KeepAliveComment.Should().Be("ping");
        options.CacheControl.Should().Be("no-cache");
        options.WriteTimeout.Should().Be(TimeSpan.FromSeconds(7));
        options.CloseOnAuthenticationExpiration.Should().BeFalse();
    }

    [Fact]
    public void Bind_CodeAndConfiguration_CodeWins()
    {
        var builder = CreateHostBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Tako:Sse:KeepAliveComment"] = "from-config", ["Tako:Sse:Retry"] = "00:00:01" });
        builder.Services.AddTakoSse(o => o.KeepAliveComment = "from-code");
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<IOptions<TakoSseOptions>>().Value;

        options.KeepAliveComment.Should().Be("from-code");
        options.Retry.Should().Be(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task StartAsync_BadOptionFromConfiguration_FailsNamingTheOption()
    {
        var builder = CreateHostBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Tako:Sse:Retry"] = "-00:00:01" });
        builder.Services.AddTakoSse();
        using var host = builder.Build();

        var start = () => host.StartAsync();

        (await start.Should().ThrowExactlyAsync<OptionsValidationException>()).Which.Message.Should().Contain("TakoSseOptions.Retry");
    }

    [Fact]
    public void Encoder_NoConfiguration_UsesDefaults()
    {
        // A bare ServiceCollection has no IConfiguration; binding must simply not happen.
        using var provider = new ServiceCollection().AddTakoSse().Services.BuildServiceProvider();

        provider.GetRequiredService<IOptions<TakoSseOptions>>().Value.KeepAliveComment.Should().Be("keepalive");
    }

    private static HostApplicationBuilder CreateHostBuilder() => new(new HostApplicationBuilderSettings { DisableDefaults = true });
}
