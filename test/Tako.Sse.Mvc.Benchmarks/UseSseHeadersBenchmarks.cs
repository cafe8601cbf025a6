using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Tako.Sse.Mvc.Benchmarks;

/// <summary>
/// What UseSseHeaders costs a request that is not an event stream: the bare next delegate, the middleware, and
/// the first version's closure, on one reused context whose response feature keeps its OnStarting callback in a
/// field, as Kestrel reuses its callback list per connection (a DefaultHttpContext alone would drop it).
/// </summary>
[MemoryDiagnoser]
public class UseSseHeadersBenchmarks
{
    private static readonly RequestDelegate Endpoint = static context =>
    {
        context.Response.ContentType = "application/json";
        return Task.CompletedTask;
    };

    private readonly SseHeadersMiddleware _middleware = new(Endpoint);
    private DefaultHttpContext _context = null!;
    private RecordingResponseFeature _response = null!;

    [GlobalSetup]
    public void Setup()
    {
        _response = new RecordingResponseFeature();
        _context = new DefaultHttpContext();
        _context.Features.Set<IHttpResponseFeature>(_response);
        _context.RequestServices = new ServiceCollection().AddTakoSse().Services.BuildServiceProvider();
        _context.Request.Protocol = "HTTP/1.1";
    }

    [Benchmark(Baseline = true)]
    public Task BareNext() => Endpoint(_context);

    [Benchmark]
    public Task UseSseHeaders()
    {
        _response.Reset();
        var task = _middleware.InvokeAsync(_context);
        return _response.StartAsync(task);
    }

    [Benchmark]
    public Task FirstVersionClosure()
    {
        _response.Reset();
        var context = _context;
        context.Response.OnStarting(() =>
        {
            _ = SseHeadersMiddleware.IsEventStream(context.Response.ContentType);
            return Task.CompletedTask;
        });
        var task = Endpoint(context);
        return _response.StartAsync(task);
    }

    /// <summary>Keeps one OnStarting callback and runs it when the "response starts".</summary>
    private sealed class RecordingResponseFeature : HttpResponseFeature
    {
        private Func<object, Task>? _callback;
        private object? _state;

        public override void OnStarting(Func<object, Task> callback, object state)
        {
            _callback = callback;
            _state = state;
        }

        public void Reset()
        {
            _callback = null;
            _state = null;
        }

        public Task StartAsync(Task afterEndpoint) =>
            afterEndpoint.IsCompletedSuccessfully && _callback is { } callback ? callback(_state!) : afterEndpoint;
    }
}
