using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc.IntegrationTests.Action;

/// <summary>Typed JSON streams that can resume: an id (and a name) per item, through the shared encoder.</summary>
public class ActionJsonIdsTests
{
    [Fact]
    public async Task Json_IdSelector_EachEventCarriesItsItemsIdAndTheName()
    {
        await using var app = await ActionApp.StartAsync(endpoints: e => e.MapGet("/json/ids", () => SseActionResult.Json(Orders(), o => o.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), "order")));
        using var response = await app.Client.OpenAsync("/json/ids");

        var items = await response.ReadAllAsync();

        items.Select(i => (i.EventType, i.EventId)).Should().Equal(("order", "41"), ("order", "42"), ("order", "43"));
        JsonSerializer.Deserialize<Order>(items[1].Data, JsonSerializerOptions.Web).Should().Be(new Order(42, "shipped"));
    }

    [Fact]
    public async Task Json_IdAndEventNameSelectors_WriteEachItemsFieldsInWireOrderAndOmitNulls()
    {
        await using var app = await ActionApp.StartAsync(endpoints: e => e.MapGet("/json/selectors", () => SseActionResult.Json(
            Orders(),
            o => o.Number == 42 ? null : $"order-{o.Number}",
            o => o.Status == "new" ? null : o.Status)));
        using var response = await app.Client.OpenAsync("/json/selectors");

        var text = await response.ReadTextUntilAsync("order-43");

        text.Should().Be(
            "id: order-41\ndata: {\"number\":41,\"status\":\"new\"}\n\n" +
            "event: shipped\ndata: {\"number\":42,\"status\":\"shipped\"}\n\n" +
            "event: delivered\nid: order-43\ndata: {\"number\":43,\"status\":\"delivered\"}\n\n");
    }

    [Fact]
    public async Task Json_CustomEncoder_SeesEveryFieldOfEveryJsonEvent()
    {
        var encoder = new RecordingEncoder();
        await using var app = await ActionApp.StartAsync(
            services: s => s.AddSingleton<ISseEncoder>(encoder),
            endpoints: e => e.MapGet("/json/custom", () => SseActionResult.Json(Orders(), o => $"{o.Number}", "order")));
        using var response = await app.Client.OpenAsync("/json/custom");

        var items = await response.ReadAllAsync();

        encoder.Events.Select(e => (e.Event, e.Id, e.Data)).Should().Equal(
            ("order", "41", """{"number":41,"status":"new"}"""),
            ("order", "42", """{"number":42,"status":"shipped"}"""),
            ("order", "43", """{"number":43,"status":"delivered"}"""));
        items.Select(i => i.Data).Should().Equal(encoder.Events.Select(e => "custom " + e.Data));
    }

    [Fact]
    public async Task Json_IdWithLineBreak_EndsTheStreamWithoutWritingThatItem()
    {
        await using var app = await ActionApp.StartAsync(endpoints: e => e.MapGet("/json/bad-id", () => SseActionResult.Json(Orders(), o => o.Number == 42 ? "42\nevent: injected" : $"{o.Number}")));
        using var response = await app.Client.OpenAsync("/json/bad-id");

        var items = await response.ReadAllAsync();

        items.Select(i => (i.EventType, i.EventId)).Should().Equal(("message", "41"));
    }

    private static async IAsyncEnumerable<Order> Orders([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        yield return new Order(41, "new");
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        yield return new Order(42, "shipped");
        yield return new Order(43, "delivered");
    }

    public sealed record Order(int Number, string Status);

    // A user's own encoder: it must be handed each JSON event whole, and what it writes is what goes out.
    private sealed class RecordingEncoder : ISseEncoder
    {
        private readonly SseEncoder _inner = new(Options.Create(new TakoSseOptions()));

        public ConcurrentQueue<SseEvent> Events { get; } = new();

        public void ApplyHeaders(HttpResponse response) => _inner.ApplyHeaders(response);

        public void Encode(in SseEvent evt, IBufferWriter<byte> output)
        {
            Events.Enqueue(evt);
            var changed = SseEvent.FromData("custom " + evt.Data);
            _inner.Encode(evt.Event is null ? changed : changed.WithEvent(evt.Event), output);
        }

        public void EncodeData(ReadOnlySpan<byte> utf8, IBufferWriter<byte> output) => throw new InvalidOperationException("JSON events go through Encode.");

        public void EncodeKeepAlive(IBufferWriter<byte> output) => _inner.EncodeKeepAlive(output);
    }
}
