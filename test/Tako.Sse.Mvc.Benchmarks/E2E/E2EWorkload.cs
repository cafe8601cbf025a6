using System.Diagnostics;
using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;

namespace Tako.Sse.Mvc.Benchmarks.E2E;

/// <summary>
/// The events both sides stream, and the sources that produce them. Every source yields exactly the same
/// (event name, id, data) sequence to ours and to the built-in result, from arrays built once, so neither
/// side pays for producing them.
/// </summary>
public sealed class E2EWorkload
{
    public const string EventName = "tick";

    // A power of two, so the producers pick an item with a mask; large enough that ids and data vary.
    private const int Distinct = 4096;

    private readonly SseEvent[] _ours = new SseEvent[Distinct];
    private readonly SseItem<string>[] _builtin = new SseItem<string>[Distinct];
    private int _openSources;

    public E2EWorkload()
    {
        for (var i = 0; i < Distinct; i++)
        {
            var id = Id(i);
            var data = Data(i);
            _ours[i] = SseEvent.FromData(data).WithEvent(EventName).WithId(id);
            _builtin[i] = new SseItem<string>(data, EventName) { EventId = id };
        }

        LimitBatch = BuildLimitBatch(64 * 1024, out var frames);
        LimitBatchFrames = frames;
    }

    /// <summary>Gets the distinct events of our side (a power of two of them).</summary>
    internal SseEvent[] OursEvents => _ours;

    /// <summary>Gets 64 KB (at most) of whole pre-encoded frames, the same bytes our encoder writes.</summary>
    public byte[] LimitBatch { get; }

    /// <summary>Gets the frames in <see cref="LimitBatch"/>.</summary>
    public int LimitBatchFrames { get; }

    /// <summary>Gets how many idle or delayed sources are running now (each side counts once per stream).</summary>
    public int OpenSources => Volatile.Read(ref _openSources);

    public static string Id(int i) => (1_000_000 + i).ToString(CultureInfo.InvariantCulture);

    public static string Data(int i) => $$"""{"seq":{{i}},"price":{{100 + (i % 97)}}.25}""";

    /// <summary>Builds a frame exactly as DESIGN.md specifies it.</summary>
    public static string Frame(int i) => $"event: {EventName}\nid: {Id(i)}\ndata: {Data(i)}\n\n";

    // Ready back to back: MoveNextAsync always completes synchronously.
    public async IAsyncEnumerable<SseEvent> OursBurst(int count, [EnumeratorCancellation] CancellationToken token = default)
    {
        for (var i = 0; i < count; i++)
        {
            yield return _ours[i & (Distinct - 1)];
        }

        await Task.CompletedTask;
    }

    public async IAsyncEnumerable<SseItem<string>> BuiltinBurst(int count, [EnumeratorCancellation] CancellationToken token = default)
    {
        for (var i = 0; i < count; i++)
        {
            yield return _builtin[i & (Distinct - 1)];
        }

        await Task.CompletedTask;
    }

    // One event per period; its data carries the Stopwatch timestamp taken just before it is handed over.
    public async IAsyncEnumerable<SseEvent> OursTicks(int count, TimeSpan period, [EnumeratorCancellation] CancellationToken token = default)
    {
        using var timer = new PeriodicTimer(period);
        for (var i = 0; i < count && await timer.WaitForNextTickAsync(token); i++)
        {
            yield return SseEvent.FromData(Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture)).WithEvent(EventName).WithId(Id(i));
        }
    }

    public async IAsyncEnumerable<SseItem<string>> BuiltinTicks(int count, TimeSpan period, [EnumeratorCancellation] CancellationToken token = default)
    {
        using var timer = new PeriodicTimer(period);
        for (var i = 0; i < count && await timer.WaitForNextTickAsync(token); i++)
        {
            yield return new SseItem<string>(Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture), EventName) { EventId = Id(i) };
        }
    }

    // Silent until the client leaves: what an idle subscription looks like.
    public async IAsyncEnumerable<T> Silent<T>([EnumeratorCancellation] CancellationToken token = default)
    {
        Interlocked.Increment(ref _openSources);
        try
        {
            await Task.Delay(Timeout.Infinite, token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            Interlocked.Decrement(ref _openSources);
        }

        yield break;
    }

    public async IAsyncEnumerable<SseEvent> OursDelayed(TimeSpan delay, [EnumeratorCancellation] CancellationToken token = default)
    {
        await Task.Delay(delay, token);
        yield return _ours[0];
    }

    public async IAsyncEnumerable<SseItem<string>> BuiltinDelayed(TimeSpan delay, [EnumeratorCancellation] CancellationToken token = default)
    {
        await Task.Delay(delay, token);
        yield return _builtin[0];
    }

    private static byte[] BuildLimitBatch(int size, out int frames)
    {
        var builder = new List<byte>(size);
        frames = 0;
        while (true)
        {
            var frame = Encoding.UTF8.GetBytes(Frame(frames & (Distinct - 1)));
            if (builder.Count + frame.Length > size)
            {
                return [.. builder];
            }

            builder.AddRange(frame);
            frames++;
        }
    }
}
