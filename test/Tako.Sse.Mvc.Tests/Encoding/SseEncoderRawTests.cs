using System.Buffers;
using System.Text;
using CsCheck;
using static Tako.Sse.Mvc.Tests.SseRoundTrip;

// Namespace of the root, not of the folder: a Tests.Encoding namespace would hide System.Text.Encoding.
namespace Tako.Sse.Mvc.Tests;

/// <summary>
/// The raw path (<see cref="ISseEncoder.EncodeData"/>): the bytes are split at CRLF, CR and LF into
/// <c>data:</c> lines and written unchanged otherwise (no UTF-8 validation). A parser gives back the bytes with
/// every CRLF, CR and LF replaced by one LF: no other field, no second event, whatever the bytes.
/// </summary>
public class SseEncoderRawTests
{
    [Theory]
    [InlineData("tick: 0", "data: tick: 0\n\n")]
    [InlineData("", "data: \n\n")]
    [InlineData("a\r\nb\rc\nd", "data: a\ndata: b\ndata: c\ndata: d\n\n")]
    [InlineData("\n\nevent:click\n\n", "data: \ndata: \ndata: event:click\ndata: \ndata: \n\n")]
    [InlineData("end\r", "data: end\ndata: \n\n")]
    public void EncodeData_Bytes_WritesDataLines(string text, string expected) =>
        Encoding.UTF8.GetString(EncodeData(Encoding.UTF8.GetBytes(text))).Should().Be(expected);

    [Fact]
    public void EncodeData_InjectionAttempt_ParsesBackAsOneMessage()
    {
        var items = Parse(EncodeData("x\n\nevent: click\nid: 666\nretry: 1\ndata: injected\n\n"u8));

        items.Should().ContainSingle();
        items[0].EventType.Should().Be("message");
        items[0].EventId.Should().BeNull();
        items[0].ReconnectionInterval.Should().BeNull();
        items[0].Data.Should().Be("x\n\nevent: click\nid: 666\nretry: 1\ndata: injected\n\n");
    }

    [Fact]
    public void EncodeData_InvalidUtf8_WritesBytesUnchanged()
    {
        byte[] chunk = [0xFF, 0xC3, (byte)'\n', 0xE2, 0x82];

        EncodeData(chunk).Should().Equal([.. "data: "u8, 0xFF, 0xC3, (byte)'\n', .. "data: "u8, 0xE2, 0x82, (byte)'\n', (byte)'\n']);
    }

    [Fact]
    public void EncodeData_64KbChunk_ParsesBackSameBytes()
    {
        var chunk = Enumerable.Range(0, 64 * 1024).Select(i => (byte)('a' + (i % 26))).ToArray();

        ParseBytes(EncodeData(chunk)).Should().ContainSingle().Which.Data.Should().Equal(chunk);
    }

    [Fact]
    public void EncodeData_GeneratedBytes_ParsesBackBytesWithLineBreaksAsLf()
    {
        var bytes = Gen.Frequency(
            (3, Gen.Byte),
            (2, Gen.OneOfConst((byte)'\r', (byte)'\n')),
            (1, Gen.OneOfConst((byte)':', (byte)' ', (byte)0, (byte)0xEF, (byte)0xBB, (byte)0xBF)));

        bytes.Array[0, 200].Sample(
            chunk =>
            {
                var items = ParseBytes(EncodeData(chunk));
                return items.Count == 1
                    && items[0].Data.AsSpan().SequenceEqual(NormalizeLineBreaks(chunk))
                    && items[0].EventType == "message"
                    && items[0].EventId is null
                    && items[0].ReconnectionInterval is null;
            },
            iter: 10_000,
            threads: 1);
    }

    [Fact]
    public void EncodeData_GeneratedBytes_EveryLineIsADataLine()
    {
        Gen.Byte.Array[0, 100].Sample(
            chunk =>
            {
                var text = Encoding.Latin1.GetString(EncodeData(chunk));
                var lines = text.Split('\n');

                // "data: …" lines, then the blank line that ends the event, then nothing.
                return lines[^1].Length == 0 && lines[^2].Length == 0
                    && lines[..^2].All(l => l.StartsWith("data: ", StringComparison.Ordinal) && !l.Contains('\r', StringComparison.Ordinal));
            },
            iter: 10_000,
            threads: 1);
    }

    [Fact]
    public void EncodeData_NullOutput_ThrowsArgumentNull() =>
        FluentActions.Invoking(() => CreateEncoder().EncodeData("x"u8, null!)).Should().ThrowExactly<ArgumentNullException>().WithParameterName("output");

    [Fact]
    public void EncodeData_TwoChunks_WritesTwoEvents()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var encoder = CreateEncoder();

        encoder.EncodeData("1"u8, buffer);
        encoder.EncodeData("2"u8, buffer);

        Parse(buffer.WrittenSpan.ToArray()).Select(i => i.Data).Should().Equal("1", "2");
    }

    private static byte[] NormalizeLineBreaks(byte[] bytes)
    {
        var result = new List<byte>(bytes.Length);
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\r')
            {
                result.Add((byte)'\n');
                if (i + 1 < bytes.Length && bytes[i + 1] == '\n')
                {
                    i++;
                }
            }
            else
            {
                result.Add(bytes[i]);
            }
        }

        return [.. result];
    }
}
