using System.Diagnostics;
using System.Globalization;
using System.Net;
using Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Scale;

/// <summary>
/// The subscribers of one scale measurement: several child processes (<see cref="FanoutClientProcess"/>), at
/// most <see cref="PerChild"/> subscribers each, the i-th connecting from 127.0.0.(i + 2), so that no process
/// nears its open-file limit and no source address runs out of ephemeral ports.
/// </summary>
internal sealed class ScaleClients : IAsyncDisposable
{
    public const int PerChild = 5_000;

    private readonly List<FanoutClient> _children;

    private ScaleClients(List<FanoutClient> children) => _children = children;

    public long Delivered => _children.Sum(c => c.Delivered);

    public TimeSpan CpuTime => TimeSpan.FromTicks(_children.Sum(c => c.CpuTime.Ticks));

    public static ScaleClients Start(string mode, Uri url, int subscribers)
    {
        var children = new List<FanoutClient>();
        for (var i = 0; i * PerChild < subscribers; i++)
        {
            var count = Math.Min(PerChild, subscribers - (i * PerChild));
            children.Add(FanoutClient.Start(mode, url, count, IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"127.0.0.{i + 2}"))));
        }

        return new ScaleClients(children);
    }

    /// <summary>Waits until every child reports its streams open; on failure, says how far each got.</summary>
    public async Task<string?> WaitOpenAsync(TimeSpan deadline)
    {
        var opened = await Task.WhenAll(_children.Select(c => c.WaitOpenAsync(deadline)));
        return opened.All(o => o) ? null : string.Join("; ", _children.Select((c, i) => $"child {i + 1}: {(opened[i] ? "open" : c.Describe())}"));
    }

    /// <summary>Has every child time its next <paramref name="events"/> events per subscriber.</summary>
    public async Task MarkAsync(int events)
    {
        var replies = await Task.WhenAll(_children.Select(c => c.CommandAsync($"mark {events}", "marked", TimeSpan.FromSeconds(30))));
        if (replies.Any(r => r is null))
        {
            throw new InvalidOperationException("A client did not mark.");
        }
    }

    /// <summary>
    /// When each timed event reached the last subscriber of all children (a <see cref="Stopwatch"/> timestamp,
    /// the same monotonic clock in every process), or -1 where some subscriber never got it.
    /// </summary>
    public async Task<long[]> LastArrivalsAsync()
    {
        var replies = await Task.WhenAll(_children.Select(c => c.CommandAsync("lat", "lat ", TimeSpan.FromSeconds(30))));
        long[]? last = null;
        foreach (var reply in replies)
        {
            var arrivals = (reply ?? throw new InvalidOperationException("A client did not report latencies."))[4..]
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(t => long.Parse(t, CultureInfo.InvariantCulture))
                .ToArray();
            last ??= Enumerable.Repeat(0L, arrivals.Length).ToArray();
            for (var i = 0; i < arrivals.Length; i++)
            {
                last[i] = last[i] < 0 || arrivals[i] < 0 ? -1 : Math.Max(last[i], arrivals[i]);
            }
        }

        return last ?? [];
    }

    public Task<bool> WaitDeliveredAsync(long delivered, TimeSpan deadline) =>
        ServerSideProbe.WaitUntilAsync(() => Delivered >= delivered, deadline);

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_children.Select(c => c.DisposeAsync().AsTask()));
    }
}
