using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tako.Sse.Mvc.IntegrationTests.Infrastructure;

/// <summary>
/// Sends a hand-written HTTP/1.1 request over a socket, for what <see cref="HttpClient"/> refuses to send:
/// non-ASCII header bytes, a header repeated verbatim.
/// </summary>
public static class RawHttp
{
    /// <summary>GET <paramref name="path"/> with the given raw header lines; returns the status code and body.</summary>
    public static async Task<(int Status, string Body)> GetAsync(Uri baseAddress, string path, params byte[][] headerLines)
    {
        using var timeout = new CancellationTokenSource(SseReader.Deadline);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, baseAddress.Port, timeout.Token);
        var stream = tcp.GetStream();

        var request = new List<byte>();
        request.AddRange(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"));
        foreach (var line in headerLines)
        {
            request.AddRange(line);
            request.AddRange("\r\n"u8.ToArray());
        }

        request.AddRange("\r\n"u8.ToArray());
        await stream.WriteAsync(request.ToArray(), timeout.Token);

        using var reader = new StreamReader(stream, Encoding.Latin1);
        var response = await reader.ReadToEndAsync(timeout.Token);
        var status = int.Parse(response.AsSpan(9, 3), provider: System.Globalization.CultureInfo.InvariantCulture);
        var split = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = response[..split];
        var body = response[(split + 4)..];
        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Unchunk(body);
        }

        return (status, Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(body)));
    }

    /// <summary>GET <paramref name="path"/>; returns the payloads of the chunks of a chunked response, as they were framed.</summary>
    public static async Task<IReadOnlyList<string>> GetChunksAsync(Uri baseAddress, string path)
    {
        using var timeout = new CancellationTokenSource(SseReader.Deadline);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, baseAddress.Port, timeout.Token);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"), timeout.Token);

        using var reader = new StreamReader(stream, Encoding.Latin1);
        var response = await reader.ReadToEndAsync(timeout.Token);
        var split = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        response[..split].Should().Contain("Transfer-Encoding: chunked");
        var chunks = new List<string>();
        var position = split + 4;
        while (true)
        {
            var lineEnd = response.IndexOf("\r\n", position, StringComparison.Ordinal);
            var size = Convert.ToInt32(response[position..lineEnd], 16);
            if (size == 0)
            {
                return chunks;
            }

            chunks.Add(response.Substring(lineEnd + 2, size));
            position = lineEnd + 2 + size + 2;
        }
    }

    /// <summary>One header line, <c>Name: </c> followed by the value bytes exactly as given.</summary>
    public static byte[] Header(string name, params byte[] value) => [.. Encoding.ASCII.GetBytes(name + ": "), .. value];

    private static string Unchunk(string body)
    {
        var result = new StringBuilder();
        var position = 0;
        while (true)
        {
            var lineEnd = body.IndexOf("\r\n", position, StringComparison.Ordinal);
            var size = Convert.ToInt32(body[position..lineEnd], 16);
            if (size == 0)
            {
                return result.ToString();
            }

            result.Append(body, lineEnd + 2, size);
            position = lineEnd + 2 + size + 2;
        }
    }
}
