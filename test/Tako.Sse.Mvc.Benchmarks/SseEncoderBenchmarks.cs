using System.Buffers;
using System.Net.ServerSentEvents;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc.Benchmarks;

/// <summary>
/// Our encoder against .NET's <see cref="SseFormatter"/> on the same events. One operation is a batch of
/// <see cref="BatchSize"/> events written to the same in-memory sink; <c>OperationsPerInvoke</c> makes every
/// column read per event.
/// </summary>
/// <remarks>
/// Fairness: both sides start from already-built events (SseItem with EventType and EventId set, or SseEvent
/// with WithEvent and WithId) and end with the UTF-8 bytes in the same <see cref="MemoryStream"/>, whose
/// capacity is reserved up front so neither pays for its growth. SseFormatter copies each event to the stream
/// as it goes; <see cref="SseEncoder_BatchCopy"/> copies once per batch, as SseStream does when several events
/// are ready, and <see cref="SseEncoder_PerEventCopy"/> copies after every event, like SseFormatter.
/// Min and Median are shown because the benchmark machine is shared: they are the columns load disturbs least.
/// </remarks>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class SseEncoderBenchmarks
{
    private const int BatchSize = 100;

    private readonly SseEncoder _encoder = new(Options.Create(new TakoSseOptions()));
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly MemoryStream _sink = new(BatchSize * 8 * 1024);
    private SseItem<string>[] _items = [];
    private SseEvent[] _events = [];
    private ArrayAsyncEnumerable<SseItem<string>> _itemSource = new([]);

    /// <summary>The payload shape.</summary>
    public enum PayloadKind
    {
        /// <summary>A small JSON object, with an event name and an id.</summary>
        SmallJson,

        /// <summary>A 4 KB payload of 64 lines, with an event name and an id.</summary>
        MultiLine4K,
    }

    [Params(PayloadKind.SmallJson, PayloadKind.MultiLine4K)]
    public PayloadKind Payload { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var data = Payload == PayloadKind.SmallJson
            ? """{"id":42,"name":"widget","price":9.99,"tags":["new","sale"],"inStock":true}"""
            : BuildMultiLine();
        _items = new SseItem<string>[BatchSize];
        _events = new SseEvent[BatchSize];
        for (var i = 0; i < BatchSize; i++)
        {
            var id = (1000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture);
            _items[i] = new SseItem<string>(data, "update") { EventId = id };
            _events[i] = SseEvent.FromData(data).WithEvent("update").WithId(id);
        }

        _itemSource = new ArrayAsyncEnumerable<SseItem<string>>(_items);

        // Both must produce the same events (SseFormatter writes id after data, we write it before, as Tako
        // does, so the bytes differ in order only), or the comparison means nothing.
        SseFormatter_WriteAsync().GetAwaiter().GetResult();
        var theirs = _sink.ToArray();
        SseEncoder_BatchCopy();
        var ours = _sink.ToArray();
        if (ours.Length != theirs.Length || !Parse(ours).SequenceEqual(Parse(theirs)))
        {
            throw new InvalidOperationException("SseEncoder and SseFormatter wrote different events.");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = BatchSize)]
    public Task SseFormatter_WriteAsync()
    {
        _sink.SetLength(0);
        return SseFormatter.WriteAsync(_itemSource, _sink);
    }

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public void SseEncoder_BatchCopy()
    {
        _sink.SetLength(0);
        foreach (ref readonly var evt in _events.AsSpan())
        {
            _encoder.Encode(evt, _buffer);
        }

        _sink.Write(_buffer.WrittenSpan);
        _buffer.ResetWrittenCount();
    }

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public void SseEncoder_PerEventCopy()
    {
        _sink.SetLength(0);
        foreach (ref readonly var evt in _events.AsSpan())
        {
            _encoder.Encode(evt, _buffer);
            _sink.Write(_buffer.WrittenSpan);
            _buffer.ResetWrittenCount();
        }
    }

    private static List<(string Type, string? Id, string Data)> Parse(byte[] bytes) =>
        [.. SseParser.Create(new MemoryStream(bytes)).Enumerate().Select(static item => (item.EventType, item.EventId, item.Data))];

    private static string BuildMultiLine()
    {
        // 64 lines of 63 characters plus LF: 4096 characters, like a log tail or a pretty-printed document.
        var builder = new StringBuilder(4096);
        for (var line = 0; line < 64; line++)
        {
            builder.Append(FormatLine(line)).Append('\n');
        }

        return builder.ToString(0, builder.Length - 1);
    }

    private static string FormatLine(int line) =>
        FormattableString.Invariant($"{line:D4} lorem ipsum dolor sit amet, consectetur adipiscing elit").PadRight(63, '.');
}
