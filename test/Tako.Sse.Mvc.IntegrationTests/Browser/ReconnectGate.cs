using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Tako.Sse.Mvc.IntegrationTests.Browser;

/// <summary>
/// Holds the browser's reconnect to a stream (a GET of <see cref="Path"/> that carries <c>Last-Event-ID</c>) on
/// the server until the test releases it, so that what the test publishes meanwhile surely comes from the
/// history. Done in the app, not with Playwright's routing: the page's stream lives in a SharedWorker.
/// </summary>
internal sealed class ReconnectGate(string path) : IStartupFilter
{
    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Path { get; } = path;

    /// <summary>Completes when a reconnect has arrived and is being held.</summary>
    public Task Held => _held.Task;

    public void Release() => _released.TrySetResult();

    public void AddTo(WebApplicationBuilder builder) => builder.Services.AddSingleton<IStartupFilter>(this);

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, proceed) =>
        {
            if (HttpMethods.IsGet(context.Request.Method) && context.Request.Path == Path
                && context.Request.Headers.ContainsKey("Last-Event-ID"))
            {
                _held.TrySetResult();
                await _released.Task.WaitAsync(context.RequestAborted);
            }

            await proceed(context);
        });
        next(app);
    };
}
