using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace Tako.Sse.Mvc.Tests.Streaming;

/// <summary>
/// Runs an <see cref="SseActionResult"/> on a <see cref="DefaultHttpContext"/> whose body is a
/// <see cref="RecordingPipeWriter"/>, with the services of <c>AddTakoSse</c>, a fake clock and captured logs.
/// </summary>
internal sealed class StreamHarness : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly CancellationTokenSource _stopping = new();

    public StreamHarness(Action<TakoSseOptions>? options = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddFakeLogging());
        services.AddMetrics();
        services.AddSingleton<TimeProvider>(Time);
        var lifetime = new Mock<IHostApplicationLifetime>();
        lifetime.SetupGet(l => l.ApplicationStopping).Returns(_stopping.Token);
        services.AddSingleton(lifetime.Object);
        services.AddTakoSse(options ?? (_ => { }));
        _services = services.BuildServiceProvider();

        Body.Setup(b => b.Writer).Returns(Writer);
        Body.Setup(b => b.Stream).Returns(Writer.AsStream());
        Context.Features.Set(Body.Object);
        Context.RequestServices = _services;
        Context.RequestAborted = Aborted.Token;
        Context.Request.Protocol = "HTTP/1.1";
    }

    public FakeTimeProvider Time { get; } = new();

    public RecordingPipeWriter Writer { get; } = new();

    public Mock<IHttpResponseBodyFeature> Body { get; } = new();

    public DefaultHttpContext Context { get; } = new();

    public CancellationTokenSource Aborted { get; } = new();

    public FakeLogCollector Logs => _services.GetFakeLogCollector();

    public Task RunAsync(SseActionResult result) =>
        result.ExecuteResultAsync(new ActionContext(Context, new RouteData(), new ActionDescriptor()));

    public void StopApplication() => _stopping.Cancel();

    public void Dispose()
    {
        _services.Dispose();
        _stopping.Dispose();
        Aborted.Dispose();
    }
}
