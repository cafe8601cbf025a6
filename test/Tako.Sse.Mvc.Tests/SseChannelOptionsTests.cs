using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc.Tests;

public class SseChannelOptionsTests
{
    [Fact]
    public void Constructor_Defaults_MatchDesign()
    {
        var options = new TakoSseOptions().Channels;

        options.HistorySize.Should().Be(1000);
        options.HistoryMaxAge.Should().Be(TimeSpan.FromMinutes(5));
        options.SubscriberQueueSize.Should().Be(1024);
        options.SlowSubscriberPolicy.Should().Be(SseSlowSubscriberPolicy.Disconnect);
        options.GapEventName.Should().Be("tako.gap");
        options.ReauthorizeInterval.Should().BeNull("re-checking open streams is off by default");
        options.RevokedEventName.Should().Be("tako.revoked");
    }

    public static TheoryData<string, Action<SseChannelOptions>> BadOptions() => new()
    {
        { "HistorySize cannot be negative", o => o.HistorySize = -1 },
        { "HistoryMaxAge must be positive", o => o.HistoryMaxAge = TimeSpan.Zero },
        { "HistoryMaxAge must be positive", o => o.HistoryMaxAge = TimeSpan.FromSeconds(-1) },
        { "SubscriberQueueSize must be at least 1", o => o.SubscriberQueueSize = 0 },
        { "SubscriberQueueSize must be at least 1", o => o.SubscriberQueueSize = -5 },
        { "SlowSubscriberPolicy must be Disconnect or DropOldest", o => o.SlowSubscriberPolicy = (SseSlowSubscriberPolicy)7 },
        { "GapEventName cannot be null or empty", o => o.GapEventName = "" },
        { "GapEventName cannot be null or empty", o => o.GapEventName = null! },
        { "GapEventName cannot contain CR or LF", o => o.GapEventName = "gap\ndata: injected" },
        { "GapEventName cannot contain CR or LF", o => o.GapEventName = "gap\r" },
        { "ReauthorizeInterval must be positive", o => o.ReauthorizeInterval = TimeSpan.Zero },
        { "ReauthorizeInterval must be positive", o => o.ReauthorizeInterval = TimeSpan.FromSeconds(-1) },
        { "RevokedEventName cannot be null or empty", o => o.RevokedEventName = "" },
        { "RevokedEventName cannot be null or empty", o => o.RevokedEventName = null! },
        { "RevokedEventName cannot contain CR or LF", o => o.RevokedEventName = "revoked\ndata: injected" },
        { "RevokedEventName cannot contain CR or LF", o => o.RevokedEventName = "revoked\r" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Validate_BadOption_FailsNamingIt(string message, Action<SseChannelOptions> configure)
    {
        var options = new TakoSseOptions();
        configure(options.Channels);

        var result = new SseChannelOptionsValidator().Validate(null, options);

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("TakoSseOptions.Channels." + message);
    }

    [Fact]
    public void Validate_ZeroHistoryAndNoAgeLimit_Succeeds()
    {
        var options = new TakoSseOptions();
        options.Channels.HistorySize = 0;
        options.Channels.HistoryMaxAge = null;

        new SseChannelOptionsValidator().Validate(null, options).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void AddTakoSse_ChannelsSection_Bound()
    {
        var options = BoundFrom(new()
        {
            ["Tako:Sse:Channels:HistorySize"] = "5",
            ["Tako:Sse:Channels:HistoryMaxAge"] = "00:00:30",
            ["Tako:Sse:Channels:SubscriberQueueSize"] = "8",
            ["Tako:Sse:Channels:SlowSubscriberPolicy"] = "DropOldest",
            ["Tako:Sse:Channels:GapEventName"] = "missed",
            ["Tako:Sse:Channels:ReauthorizeInterval"] = "00:05:00",
            ["Tako:Sse:Channels:RevokedEventName"] = "gone",
        });

        options.HistorySize.Should().Be(5);
        options.HistoryMaxAge.Should().Be(TimeSpan.FromSeconds(30));
        options.SubscriberQueueSize.Should().Be(8);
        options.SlowSubscriberPolicy.Should().Be(SseSlowSubscriberPolicy.DropOldest);
        options.GapEventName.Should().Be("missed");
        options.ReauthorizeInterval.Should().Be(TimeSpan.FromMinutes(5));
        options.RevokedEventName.Should().Be("gone");
    }

    [Theory]
    [InlineData("off")]
    [InlineData("")]
    public void AddTakoSse_HistoryMaxAgeOffInConfiguration_NoAgeLimit(string value)
    {
        BoundFrom(new() { ["Tako:Sse:Channels:HistoryMaxAge"] = value }).HistoryMaxAge.Should().BeNull();
    }

    [Theory]
    [InlineData("off")]
    [InlineData("")]
    public void AddTakoSse_ReauthorizeIntervalOffInConfiguration_Off(string value)
    {
        BoundFrom(new() { ["Tako:Sse:Channels:ReauthorizeInterval"] = value }).ReauthorizeInterval.Should().BeNull();
    }

    [Fact]
    public void AddTakoSse_OwnHubRegisteredBefore_Wins()
    {
        var mine = new Moq.Mock<ISseHub>().Object;
        var services = new ServiceCollection().AddSingleton(mine);

        services.AddTakoSse().Services.Should().BeSameAs(services);
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<ISseHub>().Should().BeSameAs(mine);
    }

    // The set-up of the binding tests: AddTakoSse over a configuration of these keys, and the channel options it binds.
    private static SseChannelOptions BoundFrom(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddTakoSse();
        using var provider = services.BuildServiceProvider();

        return provider.GetRequiredService<IOptions<TakoSseOptions>>().Value.Channels;
    }
}
