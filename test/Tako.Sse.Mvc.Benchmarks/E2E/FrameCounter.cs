namespace Tako.Sse.Mvc.Benchmarks.E2E;

/// <summary>
/// Counts SSE frames in a byte stream by their terminating blank line (<c>"\n\n"</c>), with a vectorized search
/// and no allocation: what a client that only needs to keep up would cost, so the figure measures the server.
/// </summary>
/// <remarks>
/// Only valid for streams whose frames use LF line endings and no blank line inside a frame, which is what
/// both servers write for the benchmark's events. A terminator split across two reads is counted once.
/// </remarks>
internal struct FrameCounter
{
    private bool _endsWithLineFeed;

    public long Frames { get; private set; }

    public void Add(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        var frames = 0L;
        var consumed = 0;
        if (_endsWithLineFeed && bytes[0] == (byte)'\n')
        {
            frames++;
            consumed = 1;
        }

        while (true)
        {
            var index = bytes[consumed..].IndexOf("\n\n"u8);
            if (index < 0)
            {
                break;
            }

            frames++;
            consumed += index + 2;
        }

        // A line feed that already closed a terminator cannot start another one.
        _endsWithLineFeed = bytes[^1] == (byte)'\n' && consumed != bytes.Length;
        Frames += frames;
    }
}
