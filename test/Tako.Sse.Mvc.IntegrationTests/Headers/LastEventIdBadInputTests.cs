using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Headers;

/// <summary>Hostile or broken cursors: each has one documented outcome, and none is a 500.</summary>
public class LastEventIdBadInputTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(services: s => s.AddTakoSse());

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Cursor_8KB_IsReadWhole()
    {
        var id = new string('7', 8 * 1024);

        var helpers = await GetAsync("/headers/id/helpers", RawHttp.Header("Last-Event-ID", Encoding.ASCII.GetBytes(id)));
        var asLong = await GetAsync("/headers/id/long", RawHttp.Header("Last-Event-ID", Encoding.ASCII.GetBytes(id)));

        helpers.Should().Be((200, id + "|" + Convert.ToHexString(Encoding.ASCII.GetBytes(id))));
        asLong.Should().Be((200, "null"), "8192 digits do not fit a long: unbound, so the stream would start afresh");
    }

    [Fact]
    public async Task Cursor_10KBThatIsNotALong_BindsNullAndLogsOnlyTheFirst64Characters()
    {
        var id = string.Concat(Enumerable.Repeat("not-a-number-", 800))[..(10 * 1024)];

        var response = await GetAsync("/headers/id/long", RawHttp.Header("Last-Event-ID", Encoding.ASCII.GetBytes(id)));

        response.Should().Be((200, "null"), "[ApiController] or not, a malformed id never answers 400");
        var entry = _app.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Name == "SseLastEventIdMalformed").Subject;
        entry.Message.Should().Contain($"'{id[..64]}…'").And.NotContain(id[..65]);
    }

    [Fact]
    public async Task Cursor_ControlCharacters_AreKept()
    {
        var (status, body) = await GetAsync("/headers/id/helpers", RawHttp.Header("Last-Event-ID", 0x61, 0x01, 0x1B, 0x7F, 0x62));

        (status, body).Should().Be((200, "a\u0001\u001B\u007Fb|61011B7F62"));
    }

    [Fact]
    public async Task Cursor_Nul_IsRejectedByKestrelWith400()
    {
        (await GetAsync("/headers/id/helpers", RawHttp.Header("Last-Event-ID", 0x61, 0x00, 0x62))).Status.Should().Be(400);
    }

    [Theory]
    [InlineData("/headers/id/helpers", "null|null")]
    [InlineData("/headers/id/string", "null")]
    [InlineData("/headers/id/long", "null")]
    [InlineData("/headers/id/cursor", "null")]
    public async Task Cursor_Repeated_IsAbsent(string path, string expected)
    {
        var result = await GetAsync(path, RawHttp.Header("Last-Event-ID", "1"u8.ToArray()), RawHttp.Header("Last-Event-ID", "2"u8.ToArray()));

        result.Should().Be((200, expected));
    }

    [Theory]
    [InlineData("/headers/id/helpers", "null|null")]
    [InlineData("/headers/id/long", "null")]
    [InlineData("/headers/id/cursor", "null")]
    public async Task Cursor_WhitespaceOnly_IsAbsent(string path, string expected)
    {
        (await GetAsync(path, RawHttp.Header("Last-Event-ID", 0x20, 0x09, 0x0B, 0x0C, 0x20))).Should().Be((200, expected));
    }

    [Fact]
    public async Task Cursor_Empty_IsAbsent()
    {
        (await GetAsync("/headers/id/helpers", RawHttp.Header("Last-Event-ID"))).Should().Be((200, "null|null"));
    }

    private Task<(int Status, string Body)> GetAsync(string path, params byte[][] headers) => RawHttp.GetAsync(_app.BaseAddress, path, headers);
}
