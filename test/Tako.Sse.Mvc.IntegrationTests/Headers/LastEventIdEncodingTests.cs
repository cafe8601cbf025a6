using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Headers;

/// <summary>
/// Non-ASCII cursors through Kestrel, sent as raw bytes. Kestrel's default decodes request headers as UTF-8 and
/// answers 400 to other bytes; with a Latin-1 RequestHeaderEncodingSelector every byte gets through.
/// </summary>
public class LastEventIdEncodingTests
{
    private static readonly byte[] Utf8Cafe = "café"u8.ToArray();
    private static readonly byte[] NotUtf8 = [0x61, 0xFF, 0xFE, 0x62];

    [Theory]
    [InlineData("/headers/id/helpers", "café|636166C3A9")]
    [InlineData("/headers/id/cursor", "café|636166C3A9")]
    [InlineData("/headers/id/string", "café")]
    public async Task DefaultEncoding_Utf8Cursor_ReadsTextAndBytes(string path, string expected)
    {
        await using var app = await TestApp.StartAsync(services: s => s.AddTakoSse());

        (await RawHttp.GetAsync(app.BaseAddress, path, RawHttp.Header("Last-Event-ID", Utf8Cafe))).Should().Be((200, expected));
    }

    [Fact]
    public async Task DefaultEncoding_NotUtf8Cursor_IsRejectedByKestrelWith400()
    {
        await using var app = await TestApp.StartAsync(services: s => s.AddTakoSse());

        var (status, _) = await RawHttp.GetAsync(app.BaseAddress, "/headers/id/helpers", RawHttp.Header("Last-Event-ID", NotUtf8));

        status.Should().Be(400);
    }

    [Theory]
    [InlineData("/headers/id/helpers", "null|61FFFE62")]
    [InlineData("/headers/id/cursor", "null|61FFFE62")]
    [InlineData("/headers/id/string", "null")]
    [InlineData("/headers/id/long", "null")]
    public async Task Latin1Encoding_NotUtf8Cursor_KeepsBytesAndHasNoText(string path, string expected)
    {
        await using var app = await StartLatin1Async();

        (await RawHttp.GetAsync(app.BaseAddress, path, RawHttp.Header("Last-Event-ID", NotUtf8))).Should().Be((200, expected));
    }

    [Theory]
    [InlineData("/headers/id/helpers", "café|636166C3A9")]
    [InlineData("/headers/id/cursor", "café|636166C3A9")]
    [InlineData("/headers/id/string", "café")]
    public async Task Latin1Encoding_Utf8Cursor_IsDecodedAsUtf8(string path, string expected)
    {
        await using var app = await StartLatin1Async();

        (await RawHttp.GetAsync(app.BaseAddress, path, RawHttp.Header("Last-Event-ID", Utf8Cafe))).Should().Be((200, expected));
    }

    private static Task<TestApp> StartLatin1Async() => TestApp.StartAsync(services: s =>
    {
        s.AddTakoSse();
        s.Configure<KestrelServerOptions>(k => k.RequestHeaderEncodingSelector = _ => Encoding.Latin1);
    });
}
