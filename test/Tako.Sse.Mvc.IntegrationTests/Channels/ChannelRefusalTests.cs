using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc.IntegrationTests.Channels;

public class ChannelRefusalTests
{
    public static TheoryData<string> BadNames => new()
    {
        string.Empty,
        new string('a', 257),
        "line\nbreak",
        "carriage\rreturn",
        "nul\0",
        "tab\t",
        "bell\u0007",
        "del\u007f",
        "c1\u0085",
    };

    [Theory]
    [MemberData(nameof(BadNames))]
    public async Task PublishAsync_BadChannelName_ArgumentException(string name)
    {
        await using var app = await ChannelsApp.StartAsync();

        var publish = async () => await app.Hub().PublishAsync(name, SseEvent.FromData("x"));

        (await publish.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("channel");
        ((InMemorySseHub)app.Hub()).ChannelCount.Should().Be(0);
    }

    [Theory]
    [MemberData(nameof(BadNames))]
    public void Subscribe_BadChannelName_ArgumentException(string name)
    {
        var subscribe = () => SseActionResult.Subscribe(name);

        subscribe.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("channel");
    }

    [Fact]
    public async Task Names_256CharactersAndUnicode_Accepted()
    {
        await using var app = await ChannelsApp.StartAsync();

        await app.Hub().PublishAsync(new string('a', 256), SseEvent.FromData("x"));
        await app.Hub().PublishAsync("commandes/été 🎉", SseEvent.FromData("x"));
        SseActionResult.Subscribe(new string('a', 256)).Should().NotBeNull();
    }

    [Fact]
    public async Task PublishAsync_EventWithId_ArgumentExceptionAndNothingPublished()
    {
        await using var app = await ChannelsApp.StartAsync();
        await using var subscriber = await app.SubscribeAsync("/channels/open/ids");

        var publish = async () => await app.Hub().PublishAsync("ids", SseEvent.FromData("x").WithId("mine"));

        (await publish.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("sseEvent");
        await app.Hub().PublishAsync("ids", SseEvent.FromData("fine"));
        (await subscriber.NextAsync()).Data.Should().Be("fine");
    }

    [Fact]
    public async Task PublishAsync_CancelledToken_Cancelled()
    {
        await using var app = await ChannelsApp.StartAsync();

        var publish = async () => await app.Hub().PublishAsync("c", SseEvent.FromData("x"), new CancellationToken(canceled: true));

        await publish.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task Subscribe_UsersOwnHubWithoutSubscriptions_500WithClearMessageAndNoStream()
    {
        await using var app = await ChannelsApp.StartAsync(services: s => s.AddSingleton<ISseHub, PublishOnlyHub>());

        using var response = await app.Client.GetAsync("/channels/open/own");

        response.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        response.Content.Headers.ContentType?.MediaType.Should().NotBe("text/event-stream");
        app.Logs.GetSnapshot().Should().Contain(r => r.Exception is InvalidOperationException
            && r.Exception.Message.Contains(nameof(PublishOnlyHub), StringComparison.Ordinal)
            && r.Exception.Message.Contains("cannot serve", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Subscribe_WithoutAddTakoSse_500SayingToCallAddTakoSse()
    {
        await using var app = await Infrastructure.TestApp.StartAsync();

        using var response = await app.Client.GetAsync("/channels/open/none");

        response.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        app.Logs.GetSnapshot().Should().Contain(r => r.Exception is InvalidOperationException
            && r.Exception.Message.Contains("AddTakoSse", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("HistorySize", "-1", "HistorySize cannot be negative")]
    [InlineData("SubscriberQueueSize", "0", "SubscriberQueueSize must be at least 1")]
    [InlineData("HistoryMaxAge", "00:00:00", "HistoryMaxAge must be positive")]
    [InlineData("GapEventName", "", "GapEventName cannot be null or empty")]
    public async Task StartAsync_BadChannelOptionInConfiguration_FailsAtStartUpWithClearMessage(string key, string value, string message)
    {
        var start = async () => await Infrastructure.TestApp.StartAsync(s =>
        {
            // The app's configuration, as appsettings.json would give it: AddTakoSse binds Tako:Sse:Channels.
            s.AddSingleton<IConfiguration>(new ConfigurationBuilder()
                .AddInMemoryCollection([new($"Tako:Sse:Channels:{key}", value)])
                .Build());
            s.AddTakoSse();
        });

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain(message);
    }

    private sealed class PublishOnlyHub : ISseHub
    {
        public ValueTask<string> PublishAsync(string channel, SseEvent sseEvent, CancellationToken cancellationToken = default) => ValueTask.FromResult("1");

        public int GetSubscriberCount(string channel) => 0;
    }
}
