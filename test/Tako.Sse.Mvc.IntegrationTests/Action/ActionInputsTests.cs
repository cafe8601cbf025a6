using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Tako.Sse.Mvc.IntegrationTests.Action;

/// <summary>The typed JSON form with the JSON options of the stack that returned it, and minimal APIs.</summary>
public class ActionInputsTests
{
    [Fact]
    public async Task Json_FromController_UsesMvcJsonOptionsNotMinimalApiOnes()
    {
        await using var app = await ActionApp.StartAsync(services: s =>
        {
            s.AddControllers().AddJsonOptions(o => o.JsonSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
            s.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.KebabCaseLower);
        });
        using var response = await app.Client.OpenAsync("/action/json");

        var items = await response.ReadAllAsync();

        items.Select(i => i.EventType).Should().Equal("person", "person");
        items[0].Data.Should().Be("""{"full_name":"Ada Lovelace","age_in_years":36}""");
        JsonSerializer.Deserialize<JsonElement>(items[1].Data).GetProperty("full_name").GetString().Should().Be("Grace \"Amazing\" Hopper\nRADM");
    }

    [Fact]
    public async Task Json_FromMinimalApi_UsesHttpJsonOptionsAndIndentedJsonSurvivesAsDataLines()
    {
        await using var app = await ActionApp.StartAsync(
            services: s => s.ConfigureHttpJsonOptions(o =>
            {
                o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.KebabCaseLower;
                o.SerializerOptions.WriteIndented = true;
            }),
            endpoints: e => e.MapGet("/action/minimal/json", () => SseActionResult.Json(ActionJsonController.PeopleSource())));
        using var response = await app.Client.OpenAsync("/action/minimal/json");

        var items = await response.ReadAllAsync();

        items.Select(i => i.EventType).Should().Equal("message", "message");
        items[0].Data.Should().Be("{\n  \"full-name\": \"Ada Lovelace\",\n  \"age-in-years\": 36\n}");
        JsonSerializer.Deserialize<JsonElement>(items[1].Data).GetProperty("full-name").GetString().Should().Be("Grace \"Amazing\" Hopper\nRADM");
    }

    [Fact]
    public async Task SseActionResult_FromMinimalApi_StreamsWithHeadersAndKeepAliveOverride()
    {
        await using var app = await ActionApp.StartAsync(
            endpoints: e => e.MapGet("/action/minimal/events", () => new SseActionResult(ActionJsonController.PeopleSource().Select(p => SseEvent.FromData(p.FullName).WithEvent("name"))) { KeepAlive = TimeSpan.Zero }));
        using var response = await app.Client.OpenAsync("/action/minimal/events");

        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        response.Headers.GetValues("X-Accel-Buffering").Should().Equal("no");
        var items = await response.ReadAllAsync();
        items.Select(i => (i.EventType, i.Data)).Should().Equal(("name", "Ada Lovelace"), ("name", "Grace \"Amazing\" Hopper\nRADM"));
    }

    [Fact]
    public async Task SseActionResult_WithoutAddTakoSse_StreamsOnTheDefaults()
    {
        await using var app = await ActionApp.StartAsync(addTakoSse: false);
        using var response = await app.Client.OpenAsync("/action/gated?ready=1");

        response.Headers.NonValidated["Cache-Control"].ToString().Should().Be("no-cache, no-store, must-revalidate");
        response.Headers.GetValues("X-Accel-Buffering").Should().Equal("no");
        await using var events = await response.EventsAsync();
        (await events.NextAsync()).Data.Should().Be("ready 1");
        app.Probe().Open("gate");
        (await events.NextAsync()).Data.Should().Be("after");
    }

    [Fact]
    public async Task SseActionResult_MinimalApiEndpoint_DeclaresEventStreamForOpenApi()
    {
        await using var app = await ActionApp.StartAsync(
            services: s => s.AddEndpointsApiExplorer(),
            endpoints: e => e.MapGet("/action/minimal/described", () => new SseActionResult(AsyncEnumerable.Empty<SseEvent>())));

        var metadata = app.App.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Single(e => (e as RouteEndpoint)?.RoutePattern.RawText == "/action/minimal/described")
            .Metadata.GetOrderedMetadata<Microsoft.AspNetCore.Http.Metadata.IProducesResponseTypeMetadata>();

        metadata.Should().ContainSingle(m => m.StatusCode == 200 && m.ContentTypes.SequenceEqual(new[] { "text/event-stream" }));
        var descriptions = app.App.Services.GetRequiredService<Microsoft.AspNetCore.Mvc.ApiExplorer.IApiDescriptionGroupCollectionProvider>()
            .ApiDescriptionGroups.Items.SelectMany(g => g.Items);
        var minimal = descriptions.Single(d => d.RelativePath == "action/minimal/described");
        minimal.SupportedResponseTypes.Should().ContainSingle(r => r.StatusCode == 200)
            .Which.ApiResponseFormats.Select(f => f.MediaType).Should().Equal("text/event-stream");
        var controller = descriptions.Single(d => d.RelativePath == "action/json");
        controller.SupportedResponseTypes.Should().ContainSingle(r => r.StatusCode == 200)
            .Which.ApiResponseFormats.Select(f => f.MediaType).Should().Equal("text/event-stream");
    }
}
