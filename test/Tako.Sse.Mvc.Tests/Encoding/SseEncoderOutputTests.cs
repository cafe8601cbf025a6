using System.Buffers;
using CsCheck;
using static Tako.Sse.Mvc.Tests.SseRoundTrip;

// Namespace of the root, not of the folder: a Tests.Encoding namespace would hide System.Text.Encoding.
namespace Tako.Sse.Mvc.Tests;

/// <summary>How the encoder uses its <see cref="IBufferWriter{T}"/>, whatever spans the writer hands out.</summary>
public class SseEncoderOutputTests
{
    [Fact]
    public void Encode_WriterWithMinimalSpans_WritesSameBytes()
    {
        var text = Gen.Frequency(
            (200, Gen.Char['a', 'z']),
            (60, Gen.OneOfConst('\r', '\n')),
            (1, Gen.OneOfConst('é', '€', '\uD83D', '\uDE00', '\uDC00')))
            .Array[0, 3000].Select(chars => new string(chars));

        text.Sample(
            data =>
            {
                var evt = SseEvent.FromData(data).WithComment(data).WithEvent("é" + ReplaceLoneSurrogates(data.Replace('\r', ' ').Replace('\n', ' '))).WithId("1");
                var stingy = new StingyBufferWriter();
                CreateEncoder().Encode(evt, stingy);
                return stingy.Written.AsSpan().SequenceEqual(Encode(evt));
            },
            iter: 300,
            threads: 1);
    }

    [Fact]
    public void EncodeData_WriterWithMinimalSpans_WritesSameBytes()
    {
        Gen.Byte.Array[0, 3000].Sample(
            chunk =>
            {
                var stingy = new StingyBufferWriter();
                CreateEncoder().EncodeData(chunk, stingy);
                return stingy.Written.AsSpan().SequenceEqual(EncodeData(chunk));
            },
            iter: 300,
            threads: 1);
    }

    [Fact]
    public void Encode_SmallEvent_AsksForOneSpan()
    {
        var stingy = new StingyBufferWriter();

        CreateEncoder().Encode(SseEvent.FromData("{\"a\":1}").WithEvent("update").WithId("42"), stingy);

        stingy.GetSpanCalls.Should().Be(1);
        stingy.AdvanceCalls.Should().Be(1);
    }

    /// <summary>Hands out exactly the size asked for (at least one byte), the least the contract allows.</summary>
    private sealed class StingyBufferWriter : IBufferWriter<byte>
    {
        private readonly List<byte> _written = [];
        private byte[] _current = [];

        public byte[] Written => [.. _written];

        public int GetSpanCalls { get; private set; }

        public int AdvanceCalls { get; private set; }

        public void Advance(int count)
        {
            AdvanceCalls++;
            count.Should().BeInRange(0, _current.Length);
            _written.AddRange(_current.AsSpan(0, count));
            _current = [];
        }

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            GetSpanCalls++;
            _current = new byte[Math.Max(sizeHint, 1)];
            return _current;
        }

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
    }
}
