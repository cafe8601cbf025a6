using System.IO.Pipelines;
using System.Text;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc.Tests.Streaming;

public class SseWriteBufferTests
{
    private static readonly SseEncoder s_encoder = new(Options.Create(new TakoSseOptions()));

    [Fact]
    public async Task FlushAsync_SeveralEvents_HandsThePipeTheSameBytesInOrder()
    {
        var pipe = new Pipe();
        var buffer = new SseWriteBuffer(pipe.Writer);
        s_encoder.Encode(SseEvent.FromData("a").WithId("1"), buffer);
        s_encoder.Encode(SseEvent.FromData("b\nc").WithEvent("e"), buffer);

        buffer.WrittenCount.Should().Be("id: 1\ndata: a\n\nevent: e\ndata: b\ndata: c\n\n".Length);
        await buffer.FlushAsync(CancellationToken.None);
        buffer.WrittenCount.Should().Be(0);
        await pipe.Writer.CompleteAsync();

        (await ReadAllAsync(pipe.Reader)).Should().Be("id: 1\ndata: a\n\nevent: e\ndata: b\ndata: c\n\n");
    }

    [Fact]
    public async Task UnflushedCount_BytesDrainedToThePipe_StillCountUntilFlushed()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var buffer = new SseWriteBuffer(pipe.Writer);
        var large = SseEvent.FromData(new string('x', 30_000));

        // Events that overflow the array are drained to the pipe as they come: the stream's flush check must
        // still see them, or sizes that alternate just right would grow the pipe without a flush.
        for (var i = 0; i < 5; i++)
        {
            s_encoder.Encode(large, buffer);
        }

        buffer.UnflushedCount.Should().Be(5 * "data: \n\n".Length + 5 * 30_000);
        await buffer.FlushAsync(CancellationToken.None);
        buffer.UnflushedCount.Should().Be(0);
    }

    [Fact]
    public async Task GetSpan_EventsLargerThanTheBuffer_AreDrainedInPiecesAndArriveWhole()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var buffer = new SseWriteBuffer(pipe.Writer);
        var data = new string('x', 200_000);
        s_encoder.Encode(SseEvent.FromData(data), buffer);
        s_encoder.Encode(SseEvent.FromData(data), buffer);
        await buffer.FlushAsync(CancellationToken.None);
        await pipe.Writer.CompleteAsync();

        (await ReadAllAsync(pipe.Reader)).Should().Be($"data: {data}\n\ndata: {data}\n\n");
    }

    [Fact]
    public async Task Release_AfterFlush_NextBurstStillWrites()
    {
        var pipe = new Pipe();
        var buffer = new SseWriteBuffer(pipe.Writer);
        s_encoder.Encode(SseEvent.FromData("1"), buffer);
        await buffer.FlushAsync(CancellationToken.None);
        buffer.Release();
        buffer.Release();
        s_encoder.Encode(SseEvent.FromData("2"), buffer);
        await buffer.FlushAsync(CancellationToken.None);
        await pipe.Writer.CompleteAsync();

        (await ReadAllAsync(pipe.Reader)).Should().Be("data: 1\n\ndata: 2\n\n");
    }

    [Fact]
    public async Task FlushAsync_BurstPastTheFirstArray_GoesToThePipeInOneFlushInOrder()
    {
        // 200 events of about 100 bytes: past the small array a burst starts in, and within one batch, so the
        // move to the batch-sized array keeps what was encoded and hands the pipe nothing before the flush.
        var pipe = new RecordingPipeWriter();
        var buffer = new SseWriteBuffer(pipe);
        var expected = new StringBuilder();
        for (var i = 0; i < 200; i++)
        {
            var data = $"{i:D3}" + new string('x', 90);
            s_encoder.Encode(SseEvent.FromData(data).WithId($"{i}"), buffer);
            expected.Append($"id: {i}\ndata: {data}\n\n");
        }

        pipe.UnflushedBytes.Should().Be(0, "nothing went to the pipe before the flush");
        buffer.WrittenCount.Should().Be(expected.Length);
        await buffer.FlushAsync(CancellationToken.None);

        pipe.Flushes.Should().Equal(expected.ToString());
    }

    [Fact]
    public async Task FlushAsync_SmallBatchToASlowReader_ArrayBackInThePoolWhileTheFlushWaits()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 16, resumeWriterThreshold: 8));
        var buffer = new SseWriteBuffer(pipe.Writer);
        s_encoder.Encode(SseEvent.FromData("a small batch, copied into the pipe"), buffer);

        var flush = buffer.FlushAsync(CancellationToken.None);

        flush.IsCompleted.Should().BeFalse("the reader has not taken the bytes");
        buffer.HoldsArray.Should().BeFalse("a waiting client keeps no array of ours out of the pool");
        var read = await pipe.Reader.ReadAsync();
        Encoding.UTF8.GetString(read.Buffer).Should().Be("data: a small batch, copied into the pipe\n\n");
        pipe.Reader.AdvanceTo(read.Buffer.End);
        (await flush).IsCompleted.Should().BeFalse();
    }

    [Fact]
    public async Task FlushAsync_BatchOverTheCopyLimit_ArrayHeldUntilReleasedAfterTheFlush()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 16, resumeWriterThreshold: 8));
        var buffer = new SseWriteBuffer(pipe.Writer);
        var data = new string('x', SseWriteBuffer.CopyLimit);
        s_encoder.Encode(SseEvent.FromData(data), buffer);

        var flush = buffer.FlushAsync(CancellationToken.None);

        flush.IsCompleted.Should().BeFalse();
        buffer.HoldsArray.Should().BeTrue("the pipe may read the array until the write completes");
        buffer.WrittenCount.Should().Be(0, "the batch is handed over, and counted as sent");
        var reading = ReadAllAsync(pipe.Reader);
        await flush;
        buffer.Release();
        buffer.HoldsArray.Should().BeFalse();
        await pipe.Writer.CompleteAsync();
        (await reading).Should().Be($"data: {data}\n\n");
    }

    [Fact]
    public void Advance_PastTheSpan_Throws()
    {
        var buffer = new SseWriteBuffer(new Pipe().Writer);
        var length = buffer.GetSpan(10).Length;

        var act = () => buffer.Advance(length + 1);

        act.Should().Throw<InvalidOperationException>();
    }

    private static async Task<string> ReadAllAsync(PipeReader reader)
    {
        using var stream = new MemoryStream();
        await reader.CopyToAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
