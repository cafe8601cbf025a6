using Tako.Sse.Mvc;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Adds Tako.Sse.Mvc middleware to an application's pipeline.</summary>
public static class TakoSseApplicationBuilderExtensions
{
    /// <summary>
    /// Makes every <c>text/event-stream</c> response of the application proxy-safe, whoever writes it: applies
    /// the headers of the shared <see cref="ISseEncoder"/> when such a response starts and disables response
    /// buffering for it. Other responses are not touched.
    /// </summary>
    /// <param name="app">The application builder.</param>
    /// <returns>The same application builder, for chaining.</returns>
    public static IApplicationBuilder UseSseHeaders(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.UseMiddleware<SseHeadersMiddleware>();
    }
}
