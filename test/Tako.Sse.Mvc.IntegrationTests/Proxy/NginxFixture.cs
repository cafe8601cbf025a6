using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Proxy;

/// <summary>
/// One app with a 1 s keep-alive (shorter than nginx's 3 s read timeout) and two nginx instances in front of it,
/// one per <see cref="NginxUpstream"/>. Each test feeds its own stream through <see cref="Open"/>.
/// </summary>
public sealed class NginxFixture : IAsyncLifetime
{
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(1);

    // Set by .ci/run: there a missing nginx fails the tests instead of skipping them.
    private const string RequireNginxVariable = "TAKO_REQUIRE_NGINX";

    private readonly ConcurrentDictionary<string, Channel<SseEvent>> _streams = new();
    private readonly Dictionary<NginxUpstream, NginxProcess> _proxies = [];
    private TestApp? _app;

    public async Task InitializeAsync()
    {
        if (!File.Exists(NginxProcess.ExecutablePath))
        {
            return;
        }

        _app = await TestApp.StartAsync(
            services: s => s.AddTakoSse(o => o.KeepAlive = KeepAlive),
            endpoints: e =>
            {
                e.MapGet("/proxy/{name}", (string name) => new SseActionResult(_streams[name].Reader.ReadAllAsync()));
                e.MapGet("/proxy/{name}/no-keepalive", (string name) => new SseActionResult(_streams[name].Reader.ReadAllAsync()) { KeepAlive = TimeSpan.Zero });
            });
        foreach (var mode in Enum.GetValues<NginxUpstream>())
        {
            _proxies[mode] = await NginxProcess.StartAsync(_app.BaseAddress, mode);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var proxy in _proxies.Values)
        {
            proxy.Dispose();
        }

        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    /// <summary>The nginx of <paramref name="mode"/>; skips the test (fails it in CI) when nginx is not installed.</summary>
    public NginxProcess Proxy(NginxUpstream mode)
    {
        if (_app is null)
        {
            var message = $"nginx not found at {NginxProcess.ExecutablePath}: install Debian's nginx-light (apt-get install nginx-light) or set TAKO_NGINX.";
            if (Environment.GetEnvironmentVariable(RequireNginxVariable) == "1")
            {
                throw new InvalidOperationException($"{message} ({RequireNginxVariable}=1: a missing nginx is a failure.)");
            }

            Skip.If(true, message);
        }

        return _proxies[mode];
    }

    /// <summary>A new stream the test writes events to; the app serves it at <c>/proxy/{name}</c>.</summary>
    public ChannelWriter<SseEvent> Open(string name)
    {
        var channel = Channel.CreateUnbounded<SseEvent>();
        _streams[name] = channel;
        return channel.Writer;
    }
}
