using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Headers;

/// <summary>Minimal APIs do not run MVC's binders: a LastEventId parameter binds itself, [FromLastEventId] fails start-up.</summary>
public class MinimalApiLastEventIdTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(services: s => s.AddTakoSse(), endpoints: app =>
    {
        app.MapGet("/minimal/id/cursor", (LastEventId last) => last.IsEmpty ? "empty" : $"{last.Text}|{Convert.ToHexString(last.Bytes.Span)}");
        app.MapGet("/minimal/id/nullable", (LastEventId? last) => last is { } cursor ? cursor.ToString() : "null");
        app.MapGet("/minimal/stream", (LastEventId last) =>
            LastEventIdStreams.From(long.TryParse(last.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var after) ? after : null));
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData("/minimal/id/cursor", "42", "42|3432")]
    [InlineData("/minimal/id/cursor", " v1:abc ", "v1:abc|76313A616263")]
    [InlineData("/minimal/id/cursor", null, "empty")]
    [InlineData("/minimal/id/nullable", "7", "7")]
    [InlineData("/minimal/id/nullable", null, "null")]
    public async Task LastEventId_NoAttribute_BindsHeader(string path, string? header, string expected)
    {
        (await GetAsync(path, header)).Should().Be((HttpStatusCode.OK, expected));
    }

    [Fact]
    public async Task LastEventId_QueryOnly_BindsQueryParameter()
    {
        (await GetAsync("/minimal/id/cursor?lastEventId=%2012%20", header: null)).Should().Be((HttpStatusCode.OK, "12|3132"));
    }

    [Fact]
    public async Task LastEventId_HeaderAndQuery_HeaderWins()
    {
        (await GetAsync("/minimal/id/cursor?lastEventId=12", header: "34")).Should().Be((HttpStatusCode.OK, "34|3334"));
    }

    [Theory]
    [InlineData("5", "6", "from 6")]
    [InlineData("v1:order-17", "1", "from 1")]
    public async Task LastEventId_AnyFormat_StreamAnswers200(string header, string firstId, string firstData)
    {
        using var response = await _app.Client.OpenAsync("/minimal/stream", r => r.Headers.TryAddWithoutValidation("Last-Event-ID", header));
        var events = await response.ReadAllAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        events[0].EventId.Should().Be(firstId);
        events[0].Data.Should().Be(firstData);
    }

    [Fact]
    public async Task FromLastEventId_OnMinimalApi_FailsStartUpSayingWhatToUse()
    {
        // ASP.NET Core's analyzer warns of this too (ASP0003), but only where warnings are read.
#pragma warning disable ASP0003
        var start = () => TestApp.StartAsync(services: s => s.AddTakoSse(), endpoints: app =>
            app.MapGet("/minimal/bad", ([FromLastEventId] long? after) => after.ToString()));
#pragma warning restore ASP0003

        var failure = await start.Should().ThrowAsync<InvalidOperationException>();
        failure.Which.Message.Should().Contain("[FromLastEventId]").And.Contain("'after'").And.Contain("Declare the parameter as LastEventId");
    }

    private async Task<(HttpStatusCode, string)> GetAsync(string path, string? header)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", header);
        }

        using var response = await _app.Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
