using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Moq;

using Tako.Sse.Mvc.Tests.Streaming;

namespace Tako.Sse.Mvc.Tests;

/// <summary>The public result: argument checks and how it finds its executor.</summary>
public class SseActionResultTests
{
    [Fact]
    public async Task ExecuteResultAsync_ExecutorInServices_DelegatesToIt()
    {
        var executor = new Mock<IActionResultExecutor<SseActionResult>>();
        var context = new ActionContext(
            new DefaultHttpContext { RequestServices = new ServiceCollection().AddSingleton(executor.Object).BuildServiceProvider() },
            new RouteData(),
            new ActionDescriptor());
        var result = new SseActionResult(AsyncEnumerable.Empty<SseEvent>());

        await result.ExecuteResultAsync(context);

        executor.Verify(e => e.ExecuteAsync(context, result), Times.Once);
    }

    [Fact]
    public async Task ExecuteResultAsync_NothingRegistered_StreamsOnTheDefaults()
    {
        var writer = new RecordingPipeWriter();
        var context = BareContext(writer);

        await new SseActionResult(new[] { SseEvent.FromData("hi") }.ToAsyncEnumerable())
            .ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));

        context.Response.Headers.CacheControl.ToString().Should().Be("no-cache, no-store, must-revalidate");
        writer.Text.Should().Be("data: hi\n\n");
    }

    [Fact]
    public async Task IResultExecuteAsync_NothingRegistered_StreamsRawChunksAsDataLines()
    {
        var writer = new RecordingPipeWriter();
        var context = BareContext(writer);
        IResult result = new SseActionResult(new ReadOnlyMemory<byte>[] { "a\r\nb"u8.ToArray() }.ToAsyncEnumerable());

        await result.ExecuteAsync(context);

        context.Response.ContentType.Should().Be("text/event-stream");
        writer.Text.Should().Be("data: a\ndata: b\n\n");
    }

    [Fact]
    public void CreateFallback_SameApplication_BuildsOneExecutorForEveryRequest()
    {
        using var services = new ServiceCollection().AddOptions().BuildServiceProvider();
        using var otherApp = new ServiceCollection().AddOptions().BuildServiceProvider();

        var first = SseActionResultExecutor.CreateFallback(services);
        var second = SseActionResultExecutor.CreateFallback(services);

        second.Should().BeSameAs(first);
        SseActionResultExecutor.CreateFallback(otherApp).Should().NotBeSameAs(first);
    }

    [Fact]
    public void Constructors_NullSource_Throw()
    {
        FluentActions.Invoking(() => new SseActionResult((IAsyncEnumerable<SseEvent>)null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => new SseActionResult((IAsyncEnumerable<ReadOnlyMemory<byte>>)null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => SseActionResult.Json<int>(null!)).Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void Json_EventNameWithLineBreak_Throws()
    {
        FluentActions.Invoking(() => SseActionResult.Json(AsyncEnumerable.Empty<int>(), "a\nevent: b"))
            .Should().Throw<ArgumentException>().WithParameterName("eventName");
    }

    private static DefaultHttpContext BareContext(RecordingPipeWriter writer)
    {
        var body = new Mock<IHttpResponseBodyFeature>();
        body.SetupGet(b => b.Writer).Returns(writer);
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().BuildServiceProvider() };
        context.Features.Set(body.Object);
        return context;
    }
}
