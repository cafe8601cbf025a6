using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Headers;

public class UseSseHeadersTests
{
    private const string DefaultCacheControl = "no-cache, no-store, must-revalidate";

    public static TheoryData<string, HttpProtocols, string> EventStreams => new()
    {
        { "/headers/manual", HttpProtocols.Http1, DefaultCacheControl },
        { "/headers/manual", HttpProtocols.Http2, DefaultCacheControl },
        // TypedResults.ServerSentEvents sets its own Cache-Control, which is kept.
        { "/headers/typed", HttpProtocols.Http1, "no-cache,no-store" },
        { "/headers/typed", HttpProtocols.Http2, "no-cache,no-store" },
        { "/headers/action", HttpProtocols.Http1, DefaultCacheControl },
        { "/headers/action", HttpProtocols.Http2, DefaultCacheControl },
    };

    [Theory]
    [MemberData(nameof(EventStreams))]
    public async Task UseSseHeaders_EventStream_GetsProxySafeHeaders(string path, HttpProtocols protocols, string cacheControl)
    {
        await using var app = await StartAsync(protocols);
        using var response = await app.Client.OpenAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        response.Headers.NonValidated["Cache-Control"].ToString().Should().Be(cacheControl);
        response.Headers.GetValues("X-Accel-Buffering").Should().Equal("no");
        if (protocols == HttpProtocols.Http1)
        {
            response.Version.Should().Be(HttpVersion.Version11);
            response.Headers.Connection.Should().Contain("keep-alive");
        }
        else
        {
            response.Version.Should().Be(HttpVersion.Version20);
            response.Headers.Contains("Connection").Should().BeFalse();
        }

        (await response.ReadAllAsync()).Select(i => i.Data).Should().Equal("x");
    }

    [Theory]
    [InlineData(HttpProtocols.Http1)]
    [InlineData(HttpProtocols.Http2)]
    public async Task UseSseHeaders_PlainResponse_IsUntouched(HttpProtocols protocols)
    {
        await using var app = await StartAsync(protocols);
        using var response = await app.Client.OpenAsync("/headers/plain");

        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        response.Headers.Contains("Cache-Control").Should().BeFalse();
        response.Headers.Contains("X-Accel-Buffering").Should().BeFalse();
        response.Headers.Connection.Should().NotContain("keep-alive");
        (await response.Content.ReadAsStringAsync()).Should().Be("{\"hello\":\"world\"}");
    }

    [Fact]
    public async Task UseSseHeaders_SimilarContentType_IsUntouched()
    {
        await using var app = await StartAsync(HttpProtocols.Http1);
        using var response = await app.Client.OpenAsync("/headers/not-quite");

        response.Headers.Contains("X-Accel-Buffering").Should().BeFalse();
        response.Headers.Contains("Cache-Control").Should().BeFalse();
    }

    [Fact]
    public async Task UseSseHeaders_EndpointSetCacheControlAndCharset_KeepsThem()
    {
        await using var app = await StartAsync(HttpProtocols.Http1);
        using var response = await app.Client.OpenAsync("/headers/manual-own-cache");

        response.Headers.NonValidated["Cache-Control"].ToString().Should().Be("no-cache");
        response.Content.Headers.ContentType!.ToString().Should().Be("Text/Event-Stream; charset=utf-8");
        response.Headers.GetValues("X-Accel-Buffering").Should().Equal("no");
    }

    [Fact]
    public async Task UseSseHeaders_HandWrittenConnectionOnHttp2_IsRemoved()
    {
        await using var app = await StartAsync(HttpProtocols.Http2);
        using var response = await app.Client.OpenAsync("/headers/manual-connection");

        response.Version.Should().Be(HttpVersion.Version20);
        response.Headers.Contains("Connection").Should().BeFalse();
        app.Logs.GetSnapshot().Should().NotContain(r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    [Fact]
    public async Task UseSseHeaders_BeforeUseRouting_AppliesToEndpointsAndControllers()
    {
        await using var app = await TestApp.StartAsync(
            services: s => s.AddTakoSse().Services.AddSingleton<Gate>(),
            pipeline: a =>
            {
                a.UseSseHeaders();
                a.UseRouting();
            },
            endpoints: SseHeadersEndpoints.Map);

        foreach (var path in new[] { "/headers/manual", "/headers/action" })
        {
            using var response = await app.Client.OpenAsync(path);
            response.Headers.GetValues("X-Accel-Buffering").Should().Equal("no");
        }
    }

    [Fact]
    public async Task UseSseHeaders_OptionsCacheControl_IsApplied()
    {
        await using var app = await StartAsync(HttpProtocols.Http1, o => o.CacheControl = "no-store");
        using var response = await app.Client.OpenAsync("/headers/manual");

        response.Headers.NonValidated["Cache-Control"].ToString().Should().Be("no-store");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task UseSseHeaders_WithResponseCompression_FirstEventIsNotHeldBack(bool compressionFirst)
    {
        await using var app = await TestApp.StartAsync(
            services: s =>
            {
                s.AddTakoSse();
                s.AddSingleton<Gate>();
                s.AddResponseCompression(o => o.MimeTypes = ResponseCompressionDefaults.MimeTypes.Append("text/event-stream"));
            },
            pipeline: a =>
            {
                if (compressionFirst)
                {
                    a.UseResponseCompression();
                    a.UseSseHeaders();
                }
                else
                {
                    a.UseSseHeaders();
                    a.UseResponseCompression();
                }
            },
            endpoints: SseHeadersEndpoints.Map);
        using var client = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Brotli })
        {
            BaseAddress = app.BaseAddress,
        };

        using var response = await client.OpenAsync("/headers/gated", r =>
        {
            r.Headers.AcceptEncoding.ParseAdd("gzip");
        });
        // The handler decompresses and drops Content-Encoding; Vary shows the compressor took the response.
        response.Headers.Vary.Should().Contain("Accept-Encoding");
        await using var events = await response.EventsAsync();

        // Without DisableBuffering the compressor would keep event 1 until the endpoint ends, which it does not
        // do until the gate opens: this read would time out.
        (await events.NextAsync()).Data.Should().Be("1");
        app.Services.GetRequiredService<Gate>().Open();
        (await events.NextAsync()).Data.Should().Be("2");
    }

    private static Task<TestApp> StartAsync(HttpProtocols protocols, Action<TakoSseOptions>? configure = null) =>
        TestApp.StartAsync(
            services: s =>
            {
                s.AddTakoSse(configure ?? (_ => { }));
                s.AddSingleton<Gate>();
            },
            pipeline: a => a.UseSseHeaders(),
            protocols: protocols,
            endpoints: SseHeadersEndpoints.Map);
}
