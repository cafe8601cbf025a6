using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tako.Sse.Mvc;

// A minimal-API app as a Native AOT user writes it: source-generated JSON, a structured stream, a JSON stream,
// and a channel with history, on Redis when "Redis" is configured (--Redis=127.0.0.1:6379), in memory otherwise.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, AotJsonContext.Default));
var sse = builder.Services.AddTakoSse(o => o.KeepAlive = TimeSpan.FromSeconds(1));
if (builder.Configuration["Redis"] is { Length: > 0 } redis)
{
    sse.AddStackExchangeRedis(redis, o => o.KeyPrefix = "aot:" + Guid.NewGuid().ToString("N") + ":");
}

var app = builder.Build();

app.MapGet("/events", () => new SseActionResult(Ticks()));
app.MapGet("/orders", () => SseActionResult.Json(Orders(), AotJsonContext.Default.Order, o => o.Id.ToString(CultureInfo.InvariantCulture), "order"));
app.MapGet("/board", (LastEventId last) => SseActionResult.Subscribe("board", last.Text));
// The explicit return type: ASP.NET Core's request delegate generator cannot infer it here (it emits Task<>).
app.MapPost("/board/{text}", async Task<string> (string text, ISseHub hub) =>
    await hub.PublishJsonAsync("board", new Note(text), AotJsonContext.Default.Note, "note"));
app.MapGet("/hub", (ISseHub hub) => hub.GetType().Name);

await app.StartAsync();

// The test reads the address from this line (the port is the OS's choice with --urls http://127.0.0.1:0).
Console.WriteLine("listening " + app.Urls.First());
await app.WaitForShutdownAsync();

static async IAsyncEnumerable<SseEvent> Ticks([EnumeratorCancellation] CancellationToken cancellationToken = default)
{
    await Task.Yield();
    yield return SseEvent.FromComment("aot");
    for (var i = 1; i <= 3; i++)
    {
        cancellationToken.ThrowIfCancellationRequested();
        yield return SseEvent.FromData($"tick {i}\nline two").WithEvent("tick").WithId(i.ToString(CultureInfo.InvariantCulture));
    }
}

static async IAsyncEnumerable<Order> Orders()
{
    await Task.Yield();
    yield return new Order(1, "Zoë", 9.5m);
    yield return new Order(2, "Ada", 12m);
}

internal sealed record Order(int Id, string Customer, decimal Total);

internal sealed record Note(string Text);

[JsonSerializable(typeof(Order))]
[JsonSerializable(typeof(Note))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class AotJsonContext : JsonSerializerContext;
