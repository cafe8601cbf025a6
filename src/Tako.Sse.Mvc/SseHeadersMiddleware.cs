using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc;

/// <summary>Applies the shared event-stream headers to any response that starts as <c>text/event-stream</c>.</summary>
internal sealed class SseHeadersMiddleware
{
    private readonly RequestDelegate _next;
    private readonly ISseEncoder _encoder;

    public SseHeadersMiddleware(RequestDelegate next, IServiceProvider services)
    {
        _next = next;
        _encoder = services.GetService<ISseEncoder>() ?? new SseEncoder(services.GetService<IOptions<TakoSseOptions>>() ?? Options.Create(new TakoSseOptions()));
    }

    public Task InvokeAsync(HttpContext context)
    {
        // First version: H3 (issue 4) replaces this with an allocation-free check.
        context.Response.OnStarting(() =>
        {
            var response = context.Response;
            if (response.ContentType is { } type && type.StartsWith(SseEncoder.EventStreamContentType, StringComparison.OrdinalIgnoreCase))
            {
                var cacheControl = response.Headers.CacheControl;
                _encoder.ApplyHeaders(response);
                if (!string.IsNullOrEmpty(cacheControl))
                {
                    response.Headers.CacheControl = cacheControl;
                }

                context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
            }

            return Task.CompletedTask;
        });
        return _next(context);
    }
}
