using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.HttpSys;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc;

/// <summary>
/// Finds out how the server turned the bytes of the <c>Last-Event-ID</c> header into a string, so the bytes can
/// be recovered. Kestrel decodes request headers as UTF-8 by default (and answers 400 to bytes that are not
/// UTF-8); its <see cref="KestrelServerOptions.RequestHeaderEncodingSelector"/> can choose another encoding per
/// header, and Latin-1 keeps every byte. HTTP.sys has <see cref="HttpSysOptions.UseLatin1RequestHeaders"/>.
/// </summary>
/// <remarks>Only consulted for values that are not pure ASCII, so the lookups stay off the common path.</remarks>
internal static class RequestHeaderEncoding
{
    private const int Latin1CodePage = 28591;

    /// <summary>The encoding of <c>Last-Event-ID</c>, or <see langword="null"/> for the server's UTF-8 default.</summary>
    public static Encoding? Get(HttpContext context)
    {
        var services = context.RequestServices;
        if (services?.GetService<IServer>() is not { } server)
        {
            return null;
        }

        var assembly = server.GetType().Assembly;
        if (assembly == typeof(KestrelServerOptions).Assembly)
        {
            return services.GetService<IOptions<KestrelServerOptions>>()?.Value.RequestHeaderEncodingSelector(SseHeaderNames.LastEventId);
        }

        if (assembly == typeof(HttpSysOptions).Assembly &&
            services.GetService<IOptions<HttpSysOptions>>()?.Value.UseLatin1RequestHeaders == true)
        {
            return Encoding.Latin1;
        }

        return null;
    }

    public static bool IsLatin1(Encoding? encoding) => encoding?.CodePage == Latin1CodePage;
}
