using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Headers;

public class LastEventIdBindingTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(services: s => s.AddTakoSse());

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData("/headers/id/string", "42", "42")]
    [InlineData("/headers/id/long", "9007199254740993", "9007199254740993")]
    [InlineData("/headers/id/int", "-7", "-7")]
    [InlineData("/headers/id/guid", "3F2504E0-4F89-11D3-9A0C-0305E82C3301", "3f2504e0-4f89-11d3-9a0c-0305e82c3301")]
    [InlineData("/headers/id/cursor", "abc", "abc|616263")]
    [InlineData("/headers/id/helpers", "abc", "abc|616263")]
    public async Task Bind_HeaderValue_BindsTypedValue(string path, string header, string expected)
    {
        (await GetAsync(path, header)).Should().Be((HttpStatusCode.OK, expected));
    }

    [Theory]
    [InlineData("/headers/id/string")]
    [InlineData("/headers/id/long")]
    [InlineData("/headers/id/guid")]
    [InlineData("/headers/id/cursor")]
    [InlineData("/headers/id/fallback")]
    public async Task Bind_NoHeader_BindsNull(string path)
    {
        (await GetAsync(path, header: null)).Should().Be((HttpStatusCode.OK, "null"));
    }

    [Theory]
    [InlineData("/headers/id/long", "abc")]
    [InlineData("/headers/id/int", "99999999999")]
    [InlineData("/headers/id/guid", "not-a-guid")]
    [InlineData("/headers/id/fallback", "1.5")]
    [InlineData("/plain/id/long", "abc")]
    [InlineData("/plain/id/guid", "42")]
    [InlineData("/plain/id/fallback-guid", "not-a-guid")]
    public async Task Bind_ValueThatDoesNotParse_BindsNullAndLogsDebug(string path, string header)
    {
        // An id of another format must never stop a browser: EventSource gives up for good on a non-200.
        var (status, body) = await GetAsync(path, header);

        (status, body).Should().Be((HttpStatusCode.OK, "null"));
        var entry = _app.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Name == "SseLastEventIdMalformed").Subject;
        entry.Level.Should().Be(Microsoft.Extensions.Logging.LogLevel.Debug);
        entry.Id.Id.Should().Be(10);
        entry.Message.Should().Contain($"'{header}'");
        _app.Logs.GetSnapshot().Should().NotContain(r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    [Theory]
    [InlineData("/headers/id/long")]
    [InlineData("/plain/id/long")]
    public async Task Bind_ValueThatDoesNotParse_StreamStartsAfresh(string prefix)
    {
        var path = prefix.Replace("/id/long", "/stream/long", StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Last-Event-ID", "v1:order-17");

        using var response = await _app.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var events = await response.ReadAllAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        events.Select(e => (e.EventId, e.Data)).Should().Equal(("1", "from 1"), ("2", "from 1"));
    }

    [Theory]
    [InlineData("/headers/id/string", "x7")]
    [InlineData("/headers/id/long", "7")]
    [InlineData("/headers/id/cursor", "x7|7837")]
    public async Task Bind_ValuePaddedWithAsciiWhitespace_IsTrimmed(string path, string expected)
    {
        var value = expected.Split('|')[0];

        // Kestrel itself strips spaces and tabs; vertical tab and form feed reach the application.
        var (status, body) = await RawHttp.GetAsync(_app.BaseAddress, path, RawHttp.Header("Last-Event-ID", [0x0B, 0x0C, .. "  "u8, .. System.Text.Encoding.ASCII.GetBytes(value), 0x0C, 0x0B]));

        (status, body).Should().Be((200, expected));
    }

    [Fact]
    public async Task FromLastEventId_QueryOnly_UsesQuery()
    {
        (await GetAsync("/headers/id/fallback?lastEventId=%2012%20", header: null)).Should().Be((HttpStatusCode.OK, "12"));
    }

    [Fact]
    public async Task FromLastEventId_HeaderAndQuery_HeaderWins()
    {
        (await GetAsync("/headers/id/fallback?lastEventId=12", "34")).Should().Be((HttpStatusCode.OK, "34"));
    }

    [Fact]
    public async Task FromLastEventId_CursorFromQuery_KeepsText()
    {
        (await GetAsync("/headers/id/fallback-cursor?lastEventId=caf%C3%A9", header: null)).Should().Be((HttpStatusCode.OK, "café"));
    }

    [Fact]
    public async Task FromHeader_QueryOnly_IgnoresQuery()
    {
        (await GetAsync("/headers/id/long?lastEventId=12", header: null)).Should().Be((HttpStatusCode.OK, "null"));
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
