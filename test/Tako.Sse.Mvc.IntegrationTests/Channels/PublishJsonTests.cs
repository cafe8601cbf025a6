using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Channels;

/// <summary>ISseHub.PublishJsonAsync writes the JSON that SseActionResult.Json writes in the same app.</summary>
public class PublishJsonTests
{
    private static readonly JsonPublishingOrder Order = JsonPublishingController.Order;

    [Fact]
    public async Task PublishJsonAsync_MvcApp_SameJsonAsControllerStream()
    {
        // MVC's options, changed in every way that shows: naming, nulls, enums as strings, indentation.
        await using var app = await TestApp.StartAsync(services: s =>
        {
            s.AddTakoSse();
            s.AddControllers().AddJsonOptions(o => Customize(o.JsonSerializerOptions));
        });

        var streamed = await ReadStreamedAsync(app, "/json-publishing/stream");
        var published = await PublishAndReadAsync(app, "orders", hub => hub.PublishJsonAsync("orders", Order, "order"));

        published.Should().Be(streamed);
        streamed.Should().Contain("\"order_id\": 17").And.Contain("\"SHIPPED\"").And.NotContain("note");
    }

    [Fact]
    public async Task PublishJsonAsync_MinimalApiAppWithoutMvc_SameJsonAsMinimalApiStream()
    {
        // No AddControllers: minimal APIs' options (ConfigureHttpJsonOptions) serve both.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddTakoSse();
        builder.Services.ConfigureHttpJsonOptions(o => Customize(o.SerializerOptions));
        await using var app = builder.Build();
        app.MapGet("/stream", () => SseActionResult.Json(JsonPublishingController.One(), "order"));
        app.MapGet("/orders", (LastEventId last) => SseActionResult.Subscribe("orders", last.Text));
        await app.StartAsync();
        var hub = app.Services.GetRequiredService<ISseHub>();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        using var stream = await client.OpenAsync("/stream");
        var streamed = (await stream.ReadAllAsync()).Should().ContainSingle().Subject.Data;
        using var subscription = await client.OpenAsync("/orders");
        await using var events = await subscription.EventsAsync();
        await Poll.UntilAsync(() => hub.GetSubscriberCount("orders") == 1, "the subscription is counted");
        await hub.PublishJsonAsync("orders", Order, "order");
        var published = (await events.NextAsync()).Data;

        published.Should().Be(streamed).And.Contain("\"order_id\": 17").And.Contain("\"SHIPPED\"");
        await app.StopAsync();
    }

    [Fact]
    public async Task PublishJsonAsync_TypeInfo_SameJsonAsStreamWithTypeInfo()
    {
        await using var app = await TestApp.StartAsync(
            services: s => s.AddTakoSse(),
            endpoints: e => e.MapGet(
                "/json-publishing/typed",
                () => SseActionResult.Json(JsonPublishingController.One(), JsonPublishingContext.Default.JsonPublishingOrder, "order")));

        var streamed = await ReadStreamedAsync(app, "/json-publishing/typed");
        var published = await PublishAndReadAsync(app, "typed", hub => hub.PublishJsonAsync("typed", Order, JsonPublishingContext.Default.JsonPublishingOrder, "order"));

        published.Should().Be(streamed);
        streamed.Should().Be(JsonSerializer.Serialize(Order, JsonPublishingContext.Default.JsonPublishingOrder));
    }

    [Fact]
    public async Task PublishJsonAsync_EventName_IsTheEventsName()
    {
        await using var app = await ChannelsApp.StartAsync();
        await using var subscriber = await app.SubscribeAsync("/channels/open/named");

        var id = await app.Hub().PublishJsonAsync("named", Order, JsonPublishingContext.Default.JsonPublishingOrder, "order.shipped");
        var item = await subscriber.NextAsync();

        (item.EventType, item.EventId).Should().Be(("order.shipped", id));
    }

    private static void Customize(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper));
        options.WriteIndented = true;
    }

    private static async Task<string> ReadStreamedAsync(TestApp app, string path)
    {
        using var response = await app.Client.OpenAsync(path);
        var events = await response.ReadAllAsync();
        return events.Should().ContainSingle().Subject.Data;
    }

    private static async Task<string> PublishAndReadAsync(TestApp app, string channel, Func<ISseHub, ValueTask<string>> publish)
    {
        await using var subscriber = await app.SubscribeAsync("/channels/open/" + channel);
        await publish(app.Hub());
        return (await subscriber.NextAsync()).Data;
    }
}
