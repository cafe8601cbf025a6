using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Tako.Sse.Mvc.Tests.Streaming;

/// <summary>A response pipe that records what each flush sent, and can be told how a flush ends.</summary>
internal sealed class RecordingPipeWriter : PipeWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new();
    private readonly Lock _gate = new();
    private int _flushed;

    /// <summary>Gets the text each flush sent, in order (the header flush is usually an empty string).</summary>
    public List<string> Flushes { get; } = [];

    /// <summary>Decides the result of flush number n (0-based); by default every flush succeeds at once.</summary>
    public Func<int, CancellationToken, ValueTask<FlushResult>>? OnFlush { get; set; }

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _buffer.WrittenCount - _flushed;

    public string Text
    {
        get
        {
            lock (_gate)
            {
                return string.Concat(Flushes);
            }
        }
    }

    public int FlushCount
    {
        get
        {
            lock (_gate)
            {
                return Flushes.Count;
            }
        }
    }

    public override void Advance(int bytes) => _buffer.Advance(bytes);

    public override Memory<byte> GetMemory(int sizeHint = 0) => _buffer.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => _buffer.GetSpan(sizeHint);

    public override void CancelPendingFlush()
    {
    }

    public override void Complete(Exception? exception = null)
    {
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        int index;
        lock (_gate)
        {
            Flushes.Add(Encoding.UTF8.GetString(_buffer.WrittenSpan[_flushed..]));
            _flushed = _buffer.WrittenCount;
            index = Flushes.Count - 1;
        }

        return OnFlush?.Invoke(index, cancellationToken) ?? new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: false));
    }
}
