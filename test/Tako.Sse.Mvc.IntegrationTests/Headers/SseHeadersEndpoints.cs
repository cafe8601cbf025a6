using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Tako.Sse.Mvc.IntegrationTests.Headers;

/// <summary>Event streams written every way UseSseHeaders must handle, and a plain endpoint it must not touch.</summary>
public static class SseHeadersEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/headers/manual", static async (HttpContext context) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("data: x\n\n");
        });

        app.MapGet("/headers/manual-own-cache", static async (HttpContext context) =>
        {
            context.Response.ContentType = "Text/Event-Stream; charset=utf-8";
            context.Response.Headers.CacheControl = "no-cache";
            await context.Response.WriteAsync("data: x\n\n");
        });

        app.MapGet("/headers/manual-connection", static async (HttpContext context) =>
        {
            // Written by hand, as some libraries do, even where HTTP/2 forbids it.
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.Connection = "keep-alive";
            await context.Response.WriteAsync("data: x\n\n");
        });

        app.MapGet("/headers/gated", static async (HttpContext context, Gate gate) =>
        {
            // Straight to the body stream, without StartAsync: a buffering layer keeps these bytes, and the
            // response does not start, unless buffering was turned off before this write.
            context.Response.ContentType = "text/event-stream";
            await context.Response.Body.WriteAsync("data: 1\n\n"u8.ToArray());
            await gate.Opened.WaitAsync(Poll.Deadline);
            await context.Response.Body.WriteAsync("data: 2\n\n"u8.ToArray());
        });

        app.MapGet("/headers/typed", static () => TypedResults.ServerSentEvents(Items()));

        app.MapGet("/headers/plain", static () => TypedResults.Json(new { hello = "world" }));

        app.MapGet("/headers/not-quite", static async (HttpContext context) =>
        {
            context.Response.ContentType = "text/event-streams";
            await context.Response.WriteAsync("x");
        });
    }

    private static async IAsyncEnumerable<SseItem<string>> Items([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        yield return new SseItem<string>("x");
    }
}
