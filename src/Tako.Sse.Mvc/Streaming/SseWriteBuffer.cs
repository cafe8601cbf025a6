using System.Buffers;
using System.IO.Pipelines;

namespace Tako.Sse.Mvc;

/// <summary>
/// The buffer a stream encodes a burst of events into before they go to the response pipe in one write, and
/// the one place that writes to that pipe: the stream encodes events here, has the lone frames of an idle
/// moment (retry hint, keep-alive) written through it, and sends it all with <see cref="FlushAsync"/>.
/// </summary>
/// <remarks>
/// <para>
/// Why not encode straight into the response's <see cref="PipeWriter"/>: Kestrel's body writer takes a lock
/// and walks its chunked-encoding bookkeeping on every <c>GetSpan</c> and <c>Advance</c>, which costs more
/// than encoding a small event. Encoding into a plain array and handing the pipe one large write per flush
/// (one copy, one chunk) moves that cost from per event to per batch. (Encoding straight into the pipe's
/// memory a block at a time, which saves the copy, was measured too: half the throughput end to end.)
/// </para>
/// <para>
/// The array is rented from <see cref="ArrayPool{T}.Shared"/> on the first write of a burst and returned by
/// <see cref="Release"/> before the stream waits, so an idle stream holds no buffer.
/// </para>
/// <para>
/// A burst starts in a small array (<see cref="FirstSize"/>) and moves to a larger one
/// (<see cref="MiddleSize"/>, then a batch-sized one) only when it outgrows it. A lone event, the common case of a quiet channel, then never takes a 64 KB array: with
/// thousands of subscribers woken by one event, the shared pool cannot hand every thread an array from its
/// caches, and each 64 KB it allocated instead made a collection per event at 19,000 subscribers.
/// </para>
/// </remarks>
internal sealed class SseWriteBuffer : IBufferWriter<byte>
{
    // Room for a full batch (SseStream.FlushThreshold) plus a small event that crosses it; a larger one makes
    // the buffer go to the pipe first. 64 KB is what the pool hands out for any size above 32 KB anyway.
    private const int BatchSize = 64 * 1024;

    // A burst's first array: room for a few small events.
    private const int FirstSize = 4 * 1024;

    // Where a burst goes when it outgrows the first array, before a full batch: a few of the larger frames of a
    // multi-channel subscription (each with its cursor) outgrew 4 KB, and going straight to 64 KB made the
    // pool's 64 KB misses a third of everything that fan-out allocated.
    private const int MiddleSize = 16 * 1024;

    /// <summary>
    /// The largest batch <see cref="FlushAsync"/> copies into the pipe: what fits one of Kestrel's 4 KB blocks
    /// next to a chunk's size line and its ends, so the copy is one chunk too.
    /// </summary>
    internal const int CopyLimit = FirstSize - 96;

    private readonly PipeWriter _output;
    private byte[]? _buffer;
    private int _written;
    private long _drainedSinceFlush;

    public SseWriteBuffer(PipeWriter output) => _output = output;

    /// <summary>Gets the bytes encoded here and not yet handed to the pipe.</summary>
    public int WrittenCount => _written;

    /// <summary>Gets a value indicating whether anything written here (or handed to the pipe) is still unflushed.</summary>
    public bool HasUnflushedBytes => _written > 0 || !_output.CanGetUnflushedBytes || _output.UnflushedBytes > 0;

    /// <summary>Gets the bytes the next <see cref="FlushAsync"/> sends, as far as the pipe can tell.</summary>
    public long PendingBytes => (_output.CanGetUnflushedBytes ? _output.UnflushedBytes : 0) + _written;

    /// <summary>
    /// Gets the bytes encoded since the last <see cref="FlushAsync"/>, whether still here or already handed to
    /// the pipe: counted here so the stream need not ask the pipe after every event.
    /// </summary>
    public long UnflushedCount => _drainedSinceFlush + _written;

    /// <summary>
    /// Sends everything written here and flushes the pipe; the bytes are forgotten at once and
    /// <see cref="UnflushedCount"/> starts again. With nothing written here it is a plain flush. A batch of at
    /// most <see cref="CopyLimit"/> bytes is copied into the pipe and the array goes back to the pool before the
    /// flush (<see cref="HoldsArray"/> is then false); a larger one is handed to the pipe as it is, and the array
    /// stays held until <see cref="Release"/>, which the caller calls once the flush has completed.
    /// </summary>
    /// <remarks>
    /// Not an async method: the caller gets the pipe's own flush, so a flush that completes at once (nearly
    /// every flush of a fan-out) costs no state machine, and one that waits costs no pooled box.
    /// </remarks>
    public ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken)
    {
        var written = _written;
        _written = 0;
        _drainedSinceFlush = 0;
        if (written == 0)
        {
            return _output.FlushAsync(cancellationToken);
        }

        if (written <= CopyLimit)
        {
            // One span of the pipe's memory, within one of Kestrel's blocks: one chunk, as with WriteAsync. The
            // array is free before the flush, so a client that is slow to take it keeps no array out of the pool.
            _buffer.AsSpan(0, written).CopyTo(_output.GetSpan(written));
            _output.Advance(written);
            Release();
            return _output.FlushAsync(cancellationToken);
        }

        // The batch goes to the pipe together with its flush, in one WriteAsync: Kestrel frames it as a single
        // chunk. Write followed by FlushAsync made one chunk per 4 KB pool block, and an HttpClient reader gets
        // at most one chunk per read, so a 60 KB batch cost such a client fifteen reads. The pipe may read the
        // array until this write has completed: only Release, after it, gives the array back.
        return _output.WriteAsync(_buffer.AsMemory(0, written), cancellationToken);
    }

    /// <summary>Gets a value indicating whether the buffer holds a rented array (for tests).</summary>
    internal bool HoldsArray => _buffer is not null;

    /// <summary>
    /// Encodes a keep-alive straight into the pipe, behind anything written here: it is written while the
    /// stream is idle and holds no batch array, and renting 64 KB for a 12-byte frame cost thousands of
    /// bytes per keep-alive whenever the pool had none to spare. <see cref="FlushAsync"/> sends it.
    /// </summary>
    public void WriteKeepAlive(ISseEncoder encoder)
    {
        Drain();
        encoder.EncodeKeepAlive(_output);
    }

    /// <summary>Encodes the <c>retry:</c> hint that opens a stream straight into the pipe, for the same reason.</summary>
    public void WriteRetry(ISseEncoder encoder, TimeSpan retry)
    {
        Drain();
        encoder.Encode(SseEvent.FromRetry(retry), _output);
    }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_buffer is null || count > _buffer.Length - _written)
        {
            throw new InvalidOperationException("Advanced past the end of the buffer.");
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint).AsMemory(_written);

    public Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).AsSpan(_written);

    // Hands everything encoded so far to the response pipe, without flushing it: the buffer is full.
    private void Drain()
    {
        if (_written > 0)
        {
            _output.Write(_buffer.AsSpan(0, _written));
            _drainedSinceFlush += _written;
            _written = 0;
        }
    }

    /// <summary>
    /// Returns the array to the pool (the stream is about to wait, or has ended). Call <see cref="FlushAsync"/>
    /// first for bytes that must still be sent; anything not flushed is dropped.
    /// </summary>
    public void Release()
    {
        _written = 0;
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private byte[] Reserve(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_buffer is { } buffer && buffer.Length - _written >= sizeHint)
        {
            return buffer;
        }

        if (_buffer is null)
        {
            return _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(sizeHint, FirstSize));
        }

        if (_buffer.Length < BatchSize && _written + sizeHint <= BatchSize)
        {
            // The burst goes on past this array: what it holds moves to a larger one (the middle size first, then
            // a batch-sized one), so the batch still goes to the pipe in one write.
            var size = _buffer.Length < MiddleSize && _written + sizeHint <= MiddleSize ? MiddleSize : BatchSize;
            var batch = ArrayPool<byte>.Shared.Rent(size);
            _buffer.AsSpan(0, _written).CopyTo(batch);
            ArrayPool<byte>.Shared.Return(_buffer);
            return _buffer = batch;
        }

        // Full (or a request larger than the free space): what is here goes to the pipe, then the buffer is
        // reused, or replaced by a larger one for an encoder that asks for more than it holds.
        Drain();
        if (_buffer.Length < sizeHint)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(sizeHint, BatchSize));
        }

        return _buffer;
    }
}
