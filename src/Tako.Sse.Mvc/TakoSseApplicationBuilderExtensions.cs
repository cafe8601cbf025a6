using Tako.Sse.Mvc;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Adds Tako.Sse.Mvc middleware to an application's pipeline.</summary>
public static class TakoSseApplicationBuilderExtensions
{
    /// <summary>
    /// Makes every <c>text/event-stream</c> response of the application proxy-safe, whoever writes it (a
    /// hand-written endpoint, <c>TypedResults.ServerSentEvents</c>, another library): when such a response
    /// starts, applies the headers of the shared <see cref="ISseEncoder"/> (<c>Cache-Control</c>,
    /// <c>X-Accel-Buffering: no</c>, and <c>Connection: keep-alive</c> on HTTP/1.x only) and disables response
    /// buffering. A <c>Cache-Control</c> or <c>Content-Type</c> the endpoint set itself is kept. Other responses
    /// are not touched, and cost no allocation.
    /// </summary>
    /// <remarks>
    /// Place it anywhere before the endpoints, before or after <c>UseRouting</c>. Without <c>AddTakoSse</c> the
    /// default options are used.
    /// </remarks>
    /// <param name="app">The application builder.</param>
    /// <returns>The same application builder, for chaining.</returns>
    public static IApplicationBuilder UseSseHeaders(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.UseMiddleware<SseHeadersMiddleware>();
    }
}
