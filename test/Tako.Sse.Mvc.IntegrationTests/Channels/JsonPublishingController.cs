using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;

namespace Tako.Sse.Mvc.IntegrationTests.Channels;

/// <summary>A value with what JSON options change: names, a null, a non-ASCII string, an enum.</summary>
public sealed record JsonPublishingOrder(int OrderId, string Customer, string? Note, JsonPublishingState State);

public enum JsonPublishingState
{
    Placed,
    Shipped,
}

[JsonSerializable(typeof(JsonPublishingOrder))]
internal sealed partial class JsonPublishingContext : JsonSerializerContext;

public sealed class JsonPublishingController : ControllerBase
{
    public static readonly JsonPublishingOrder Order = new(17, "Zoë <script>", null, JsonPublishingState.Shipped);

    [HttpGet("/json-publishing/stream")]
    public SseActionResult Stream() => SseActionResult.Json(One(), "order");

    internal static async IAsyncEnumerable<JsonPublishingOrder> One()
    {
        await Task.Yield();
        yield return Order;
    }
}
