using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;
using Tako.Sse.Mvc.StackExchangeRedis.Tests.Infrastructure;

namespace Tako.Sse.Mvc.StackExchangeRedis.Tests.Cluster;

/// <summary>
/// Publishing that goes on while a test disturbs the cluster: one event every few milliseconds, numbered, each
/// outcome kept (its id, or the exception and when). Then the check every fault test makes: each stream got the
/// channel's events in order, never one twice, and every entry the cluster kept, unless a gap event said so.
/// </summary>
internal sealed class ClusterPublishing : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(int Index, string Id)> _published = [];
    private readonly List<(TimeSpan At, Exception Error)> _failures = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _loop;

    public ClusterPublishing(RedisApp app, string channel)
    {
        Channel = channel;
        _loop = Task.Run(() => RunAsync(app));
    }

    public string Channel { get; }

    public int Published
    {
        get
        {
            lock (_published)
            {
                return _published.Count;
            }
        }
    }

    public List<(TimeSpan At, Exception Error)> Failures
    {
        get
        {
            lock (_published)
            {
                return [.. _failures];
            }
        }
    }

    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Waits until <paramref name="more"/> more events have been published successfully.</summary>
    public async Task<int> MoreAsync(int more, TimeSpan within)
    {
        var target = Published + more;
        var deadline = DateTime.UtcNow + within;
        while (Published < target)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Publishing did not get {more} more events through within {within}; last failures: "
                    + string.Join(" | ", Failures.TakeLast(3).Select(f => f.Error.GetType().Name + ": " + f.Error.Message)));
            }

            await Task.Delay(10);
        }

        return Published;
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
    }

    /// <summary>The check: order, no duplicate, every entry the cluster kept delivered (or a gap before the hole).</summary>
    public async Task AssertDeliveredAsync(RedisCluster cluster, params StreamReading[] readings)
    {
        var kept = (await (await cluster.AdminAsync()).GetDatabase().StreamRangeAsync("tako:sse:{" + Channel + "}"))
            .Select(e => (string)e.Id!).ToList();
        kept.Should().NotBeEmpty();
        foreach (var reading in readings)
        {
            // Every entry the cluster kept reaches every stream, however late (the final publication after the
            // fault is among them, so catch-up has run by then).
            await reading.UntilAsync(events => events.Any(e => e.EventId == kept[^1]), "the newest kept entry, " + kept[^1]);
            var events = reading.Events();
            var data = events.Where(e => e.EventType != "tako.gap").ToList();
            data.Select(e => e.EventId).Should().OnlyHaveUniqueItems("no event twice");
            data.Select(e => e.Data).Should().OnlyHaveUniqueItems("no event twice");
            var numbers = data.Select(e => int.Parse(e.Data[1..], CultureInfo.InvariantCulture)).ToList();
            numbers.Should().BeInAscendingOrder("one order, the publication's");
            var gaps = events.Count(e => e.EventType == "tako.gap");
            if (gaps == 0)
            {
                var received = data.Select(e => e.EventId).ToHashSet();
                kept.Where(id => !received.Contains(id)).Should().BeEmpty("every entry the cluster kept is delivered, unless a gap event says otherwise");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }

    private async Task RunAsync(RedisApp app)
    {
        var index = 0;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var id = await app.PublishAsync(Channel, "e" + index.ToString(CultureInfo.InvariantCulture));
                lock (_published)
                {
                    _published.Add((index, id));
                }
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                lock (_published)
                {
                    _failures.Add((_clock.Elapsed, exception));
                }
            }

            index++;
            try
            {
                await Task.Delay(5, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
