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
        var response = await ExchangeAsync(baseAddress, path, headerLines);
        var status = int.Parse(response.AsSpan(9, 3), provider: System.Globalization.CultureInfo.InvariantCulture);
        var split = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = response[..split];
        var body = response[(split + 4)..];
        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = string.Concat(Chunks(body));
        }

        return (status, Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(body)));
    }

    /// <summary>GET <paramref name="path"/>; returns the payloads of the chunks of a chunked response, as they were framed.</summary>
    public static async Task<IReadOnlyList<string>> GetChunksAsync(Uri baseAddress, string path)
    {
        var response = await ExchangeAsync(baseAddress, path, []);
        var split = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        response[..split].Should().Contain("Transfer-Encoding: chunked");
        return Chunks(response[(split + 4)..]);
    }

    /// <summary>
    /// GET <paramref name="path"/> with the given raw header lines, reading until <paramref name="until"/> has
    /// arrived (for a response that does not end, such as an event stream); returns what was read, head included.
    /// </summary>
    public static Task<string> ReadUntilAsync(Uri baseAddress, string path, string until, params byte[][] headerLines) =>
        ExchangeAsync(baseAddress, path, headerLines, until);

    /// <summary>One header line, <c>Name: </c> followed by the value bytes exactly as given.</summary>
    public static byte[] Header(string name, params byte[] value) => [.. Encoding.ASCII.GetBytes(name + ": "), .. value];

    // Sends the request with Connection: close and reads the whole response, or up to the first `until` after
    // the head, as Latin-1 (one char per byte).
    private static async Task<string> ExchangeAsync(Uri baseAddress, string path, byte[][] headerLines, string? until = null)
    {
        using var timeout = new CancellationTokenSource(Poll.Deadline);
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
        if (until is null)
        {
            return await reader.ReadToEndAsync(timeout.Token);
        }

        var read = new StringBuilder();
        var buffer = new char[4096];
        while (true)
        {
            var text = read.ToString();
            var head = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (head >= 0 && text.IndexOf(until, head, StringComparison.Ordinal) >= 0)
            {
                return text;
            }

            var count = await reader.ReadAsync(buffer, timeout.Token);
            if (count == 0)
            {
                return text;
            }

            read.Append(buffer, 0, count);
        }
    }

    // The payloads of a chunked body, up to its last (empty) chunk.
    private static List<string> Chunks(string body)
    {
        var chunks = new List<string>();
        var position = 0;
        while (true)
        {
            var lineEnd = body.IndexOf("\r\n", position, StringComparison.Ordinal);
            var size = Convert.ToInt32(body[position..lineEnd], 16);
            if (size == 0)
            {
                return chunks;
            }

            chunks.Add(body.Substring(lineEnd + 2, size));
            position = lineEnd + 2 + size + 2;
        }
    }
}
