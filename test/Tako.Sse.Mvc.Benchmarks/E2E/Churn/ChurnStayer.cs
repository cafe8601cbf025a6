using System.Buffers.Text;
using System.Net.Sockets;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Churn;

/// <summary>
/// One subscriber that stays for the whole churn run: it reads its stream and checks the sequence numbers the
/// events carry (<c>"seq":N</c> in their data, <see cref="Fanout.FanoutSides.Payload"/>), counting the numbers
/// it skipped and the ones it saw twice (or out of order).
/// </summary>
/// <remarks>
/// Frames end with a blank line (<c>"\n\n"</c>); the response's head and the chunk-size lines of the chunked
/// body carry no <c>"seq":</c>, and the position frame a subscription opens with has no data, so only events
/// count. Each event is one flush at one event a second, so no chunk boundary falls inside one.
/// </remarks>
internal sealed class ChurnStayer(long first)
{
    private readonly Lock _lock = new();
    private byte[] _pending = new byte[4096];
    private int _length;
    private long _last = first - 1;
    private long _skipped;
    private long _duplicates;

    /// <summary>Reads the stream until it ends; <paramref name="opened"/> completes at its first bytes.</summary>
    public async Task ReadAsync(Socket socket, TaskCompletionSource opened)
    {
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            {
                opened.TrySetResult();
                Add(buffer.AsSpan(0, read));
            }
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            // Closed by us at the end of the run.
        }

        opened.TrySetException(new IOException("The server closed the stream before its response started."));
    }

    /// <summary>What this stayer lacks of the <paramref name="count"/> events from its first, and what it had twice.</summary>
    public (long Missing, long Duplicates) Check(long count)
    {
        lock (_lock)
        {
            var expectedLast = first + count - 1;
            return (_skipped + Math.Max(0, expectedLast - _last), _duplicates);
        }
    }

    private void Add(ReadOnlySpan<byte> bytes)
    {
        lock (_lock)
        {
            if (_length + bytes.Length > _pending.Length)
            {
                Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _length + bytes.Length));
            }

            bytes.CopyTo(_pending.AsSpan(_length));
            _length += bytes.Length;
            var consumed = 0;
            int end;
            while ((end = _pending.AsSpan(consumed, _length - consumed).IndexOf("\n\n"u8)) >= 0)
            {
                Frame(_pending.AsSpan(consumed, end));
                consumed += end + 2;
            }

            _pending.AsSpan(consumed, _length - consumed).CopyTo(_pending);
            _length -= consumed;
        }
    }

    private void Frame(ReadOnlySpan<byte> frame)
    {
        var at = frame.IndexOf("\"seq\":"u8);
        if (at < 0 || !Utf8Parser.TryParse(frame[(at + 6)..], out long sequence, out _))
        {
            return;
        }

        if (sequence <= _last)
        {
            _duplicates++;
            return;
        }

        _skipped += sequence - _last - 1;
        _last = sequence;
    }
}
