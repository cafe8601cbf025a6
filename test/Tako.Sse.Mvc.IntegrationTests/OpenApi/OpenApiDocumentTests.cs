using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.OpenApi;

/// <summary>
/// The document Microsoft.AspNetCore.OpenApi serves at /openapi/v1.json, read back with Microsoft.OpenApi's reader:
/// valid, the 200 of a streaming endpoint is text/event-stream with the item's schema in components and its
/// event names listed, for MVC actions and minimal APIs alike.
/// </summary>
public class OpenApiDocumentTests : IAsyncLifetime
{
    private TestApp _app = null!;
    private OpenApiDocument _document = null!;

    public async Task InitializeAsync()
    {
        _app = await TestApp.StartAsync(
            services: s =>
            {
                s.AddTakoSse();
                s.AddOpenApi();
            },
            endpoints: e =>
            {
                e.MapOpenApi();
                e.MapGet("/openapi-test/minimal/orders", () => new SseActionResult(AsyncEnumerable.Empty<SseEvent>()))
                    .ProducesServerSentEvents<OpenApiOrder>("order");
                e.MapGet("/openapi-test/minimal/board", (LastEventId last) => SseActionResult.Subscribe("board", last.Text))
                    .ProducesServerSentEvents<OpenApiNote>("note", channelSubscription: true);
            });

        await using var json = await _app.Client.GetStreamAsync("/openapi/v1.json");
        var settings = new OpenApiReaderSettings();
        var result = await OpenApiDocument.LoadAsync(json, "json", settings);
        result.Diagnostic!.Errors.Should().BeEmpty("the generated document is valid OpenAPI");
        _document = result.Document!;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData("/openapi-test/mvc/orders", "OpenApiOrder")]
    [InlineData("/openapi-test/minimal/orders", "OpenApiOrder")]
    [InlineData("/openapi-test/mvc/board", "OpenApiNote")]
    [InlineData("/openapi-test/minimal/board", "OpenApiNote")]
    public void Document_StreamingEndpoint_200IsEventStreamWithItemSchema(string path, string schema)
    {
        var response = Ok(path);

        response.Content.Should().ContainSingle().Which.Key.Should().Be("text/event-stream");
        var media = response.Content["text/event-stream"];
        media.Schema.Should().BeOfType<OpenApiSchemaReference>().Which.Reference.Id.Should().Be(schema);
        _document.Components!.Schemas!.Should().ContainKey(schema);
        _document.Components.Schemas[schema].Properties!.Keys.Should().NotBeEmpty();
    }

    [Fact]
    public void Document_SeveralEvents_AllNamedInDescription()
    {
        Ok("/openapi-test/mvc/orders").Description.Should().Contain("`order` (OpenApiOrder)").And.Contain("`note` (OpenApiNote)");
        Ok("/openapi-test/minimal/orders").Description.Should().Contain("`order` (OpenApiOrder)").And.NotContain("tako.gap").And.NotContain("tako.revoked");
    }

    [Theory]
    [InlineData("/openapi-test/mvc/board")]
    [InlineData("/openapi-test/minimal/board")]
    public void Document_ChannelSubscription_ListsGapEvent(string path)
    {
        Ok(path).Description.Should().Contain("`note` (OpenApiNote)").And.Contain("`tako.gap`").And.Contain("`tako.revoked`");
    }

    [Fact]
    public void Document_UndeclaredStream_StillEventStream()
    {
        Ok("/openapi-test/mvc/plain").Content.Should().ContainKey("text/event-stream");
    }

    private IOpenApiResponse Ok(string path)
    {
        _document.Paths.Should().ContainKey(path);
        var operation = _document.Paths[path].Operations![HttpMethod.Get];
        return operation.Responses!["200"];
    }
}
