using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Tako.Sse.Mvc.Testing;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>
/// The fan-out run on a Redis Cluster: 3 masters and 3 replicas of the run's own (<see cref="RedisCluster"/>), two
/// instances (two Kestrel servers in this process, each with its own multiplexer) and many channels, each with the
/// same number of subscribers on both instances (a child process per instance), events published flat out on the
/// first. Side by side, in the same run: ours with sharded pub/sub, ours forced to classic pub/sub, SignalR with its
/// Redis backplane (a group per channel, classic pub/sub) on the same cluster, and ours on one standalone
/// redis-server. Two windows each: (a) publishing only to the channels whose slots live on one master, (b) to all
/// of them; for each, delivered events/s, Redis commands per published event (summed over the masters) and the
/// CPU each redis-server process spent per 1,000 published events.
/// </summary>
internal static class ClusterFanoutScenario
{
    /// <summary>The first words of each row of the per-node table of window (a), which the runner prints apart.</summary>
    public const string OneMasterNodes = "node (a): ";

    /// <summary>The first words of each row of the per-node table of window (b).</summary>
    public const string SpreadNodes = "node (b): ";

    /// <summary>The first words of each row of the per-node table of the window with nothing published.</summary>
    public const string IdleNodes = "node (idle): ";

    // The default cluster-node-timeout, not the tests' second: on two loaded cores a master publishing flat out may
    // not answer the cluster bus within a second, and a failover in a window would measure the failover.
    private const string NodeTimeoutMs = "15000";

    // Publications in flight: about 20 per master, so that on two shared cores a publisher waiting for a core
    // between a reply and the next publication does not leave the masters idle (fanout-redis keeps 16 on its one).
    private const int Concurrency = 64;

    private static readonly TimeSpan s_warmUp = TimeSpan.FromSeconds(5);

    public static async Task<IReadOnlyList<E2EResult>> RunAsync(E2EOptions options)
    {
        await using var cluster = await RedisCluster.TryStartAsync("--cluster-node-timeout", NodeTimeoutMs);
        await using var standalone = await RedisServer.TryStartAsync();
        if (cluster is null || standalone is null)
        {
            Console.WriteLine("  fanout-cluster: skipped, redis-server or redis-cli is not installed (apt-get install redis-server)");
            return [];
        }

        var admin = await cluster.AdminAsync();
        var shards = (await cluster.ShardsAsync()).OrderBy(s => s.Master.Slots.Min(r => r.From)).ToList();
        var nodes = shards.SelectMany(s => s.Replicas.Prepend(s.Master)).ToList();
        var labels = Labels(shards);
        var (channels, oneMaster) = await PickChannelsAsync(cluster, admin, shards, options.ClusterChannels);
        var k = options.ClusterSubscribers;
        Console.WriteLine($"  fanout-cluster: {channels.Count} channels ({oneMaster.Count} on each master), {k} subscribers of each on each of 2 instances ({2 * k * channels.Count:N0} in all); cluster {string.Join(", ", nodes.Select((n, i) => $"{labels[i]} {n.EndPoint} pid {n.ProcessId}"))}; standalone {standalone.EndPoint} pid {standalone.ProcessId}");

        var onCluster = new Redis(shards.Select(s => admin.GetServer(s.Master.EndPoint)).ToList(), nodes.Select(n => n.ProcessId).ToList());
        using var standaloneAdmin = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { standalone.EndPoint }, AllowAdmin = true });
        var onStandalone = new Redis([standaloneAdmin.GetServer(standalone.EndPoint)], [standalone.ProcessId]);

        var sides = new List<Side>
        {
            new("ours, sharded", SpreadFanoutSide.Ours("sharded"), t => t.AddStackExchangeRedis(cluster.ConnectionString), null, onCluster, Sharded: true),
            new("ours, classic", SpreadFanoutSide.Ours("classic"), t => ForceClassicPubSub(t.AddStackExchangeRedis(cluster.ConnectionString)), null, onCluster, Sharded: false),
            new("SignalR", SpreadFanoutSide.SignalR("SignalR"), null, s => RedisFanoutRun.AddSignalRBackplane(s, cluster.ConnectionString), onCluster, Sharded: null),
            new("ours, standalone", SpreadFanoutSide.Ours("standalone"), t => t.AddStackExchangeRedis(standalone.EndPoint), null, onStandalone, Sharded: false),
        };

        var figures = new Dictionary<string, Figures?>();
        var failures = new List<string>();
        foreach (var side in sides)
        {
            // A side that cannot set up (or fails later) says why in its row; the other sides still run.
            try
            {
                await using var first = await FanoutServer.StartAsync(side.Hub, side.SignalR);
                await using var second = await FanoutServer.StartAsync(side.Hub, side.SignalR);
                figures[side.Name] = await MeasureAsync(side, [first, second], channels, side.Redis == onCluster ? oneMaster : null, k, options);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                Console.WriteLine($"  {side.Name}: {FanoutScenario.SetupFailed}: {exception.Message}");
                figures[side.Name] = null;
                failures.Add($"{side.Name}: {exception.Message}");
            }
        }

        return [.. Rows(figures["ours, sharded"], figures["ours, classic"], figures["SignalR"], figures["ours, standalone"], labels, channels.Count, oneMaster.Count, options),
            .. failures.Select(f => new E2EResult($"{FanoutScenario.SetupFailed}: {f}", "-", "-", "-", "-", "-", false, "-"))];
    }

    /// <summary>
    /// Has the hub use classic pub/sub on a cluster that has sharded pub/sub (<see cref="RedisPubSubMode.ForceClassic"/>),
    /// set as the hub is built, before the start-up connection decides the mode.
    /// </summary>
    private static void ForceClassicPubSub(ITakoSseBuilder builder)
    {
        var registered = builder.Services.Single(d => d.ServiceType == typeof(RedisSseHub));
        builder.Services.Remove(registered);
        builder.Services.AddSingleton(services =>
        {
            var hub = ActivatorUtilities.CreateInstance<RedisSseHub>(services);
            hub.PubSub.ForceClassic = true;
            return hub;
        });
    }

    // Names whose hash slot (the slot of the hash tag RedisKeys puts around the channel) lives on each master, as
    // many on each: all of them interleaved master by master, and the first master's alone.
    private static async Task<(List<string> All, List<string> OneMaster)> PickChannelsAsync(
        RedisCluster cluster, IConnectionMultiplexer admin, List<(RedisCluster.Node Master, List<RedisCluster.Node> Replicas)> shards, int count)
    {
        var keys = new RedisKeys(new TakoSseRedisOptions().KeyPrefix);
        var each = count / shards.Count;
        var buckets = shards.Select(_ => new List<string>()).ToArray();
        for (var j = 0; buckets.Any(b => b.Count < each); j++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"fanout-{j}");
            var slot = admin.HashSlot(keys.Stream(name));
            var shard = shards.FindIndex(s => s.Master.Slots.Any(r => r.From <= slot && slot <= r.To));
            if (buckets[shard].Count < each)
            {
                buckets[shard].Add(name);
            }
        }

        // The slot the client computes is the one the cluster computes, or nothing below is on the master it says.
        var probe = keys.Stream(buckets[0][0]).ToString();
        if (await cluster.SlotAsync(probe) != admin.HashSlot(probe))
        {
            throw new InvalidOperationException($"CLUSTER KEYSLOT {probe} is not the slot StackExchange.Redis computes.");
        }

        return ([.. Enumerable.Range(0, each).SelectMany(i => buckets.Select(b => b[i]))], buckets[0]);
    }

    private static string[] Labels(List<(RedisCluster.Node Master, List<RedisCluster.Node> Replicas)> shards) =>
        [.. shards.SelectMany((s, i) => s.Replicas
            .Select(_ => $"replica of master {i + 1}")
            .Prepend($"master {i + 1} (slots {string.Join(",", s.Master.Slots.Select(r => $"{r.From}-{r.To}"))}{(i == 0 ? "; owns every channel of (a)" : string.Empty)})"))];

    private static async Task<Figures> MeasureAsync(Side side, FanoutServer[] servers, List<string> channels, List<string>? oneMaster, int k, E2EOptions options)
    {
        foreach (var server in servers)
        {
            server.Services.GetRequiredService<FanoutSpread>().Channels = channels;
        }

        var clients = await RedisFanoutRun.OpenAsync(side.Name, side.Spread, servers, k * channels.Count);
        try
        {
            var publisher = new RedisFanoutPublisher(side.Spread, servers[0].Services, clients, k, Concurrency);

            // One event to each channel, each awaited: every instance's subscription to every channel is in place.
            side.Spread.Targets = channels;
            if (!await publisher.PrimeAsync(channels.Count))
            {
                throw new InvalidOperationException($"{side.Name}: the first event of each channel did not reach every subscriber ({publisher.Missing:N0} deliveries missing).");
            }

            if (side.Sharded is { } sharded && servers.Any(s => ((RedisSseHub)s.Services.GetRequiredService<ISseHub>()).PubSub.IsSharded != sharded))
            {
                throw new InvalidOperationException($"{side.Name}: the hub did not use {(sharded ? "sharded" : "classic")} pub/sub.");
            }

            // Shorter for short windows, as in the fan-out run, so that a tiny run (the harness test) takes seconds.
            await publisher.FloodAsync(Min(s_warmUp, options.FanoutDuration / 2));
            await publisher.SettleAsync();
            await ServerSideProbe.WaitForJitToSettleAsync(Min(TimeSpan.FromSeconds(10), options.FanoutDuration * 2));

            // Nothing published: what the subscriptions alone cost each node (on a cluster, ours also reads the newest
            // id of each quiet channel every 5 s), which every window below carries too.
            var idle = await RedisFanoutRun.IdleAsync(Min(s_warmUp, options.FanoutDuration / 2), side.Redis.Masters, side.Redis.ProcessIds);
            Console.WriteLine($"  {side.Name} (idle): {idle.CommandsPerSecond:0} Redis commands/s; redis-server CPU per second: {string.Join(", ", idle.RedisCpuPerSecond.Select(Ms))}");

            RedisWindow? one = null;
            if (oneMaster is not null)
            {
                side.Spread.Targets = oneMaster;
                one = await RedisFanoutRun.MeasureAsync(publisher, options.FanoutDuration, side.Redis.Masters, side.Redis.ProcessIds);
                Print(side.Name + " (a)", one);
                await publisher.SettleAsync();
            }

            side.Spread.Targets = channels;
            var all = await RedisFanoutRun.MeasureAsync(publisher, options.FanoutDuration, side.Redis.Masters, side.Redis.ProcessIds);
            Print(side.Name + " (b)", all);
            var settled = await publisher.SettleAsync();
            return new Figures(idle, one, all, settled ? 0 : publisher.Missing);
        }
        finally
        {
            await RedisFanoutRun.CloseAsync(clients);
        }

        static void Print(string name, RedisWindow window) => Console.WriteLine(
            $"  {name}: {Rate(window.Rate)} delivered, {window.Published:N0} published, {Ms(window.CpuPerThousand)} app CPU / 1,000 deliveries, {window.CommandsPerEvent:0.00} Redis commands per event ({window.Breakdown}); redis-server CPU per 1,000 published: {string.Join(", ", window.RedisCpuPerThousand.Select(Ms))}");
    }

    private static IEnumerable<E2EResult> Rows(Figures? sharded, Figures? classic, Figures? signalR, Figures? standalone, string[] labels, int channels, int oneMaster, E2EOptions options)
    {
        var window = $"{options.FanoutDuration.TotalSeconds:0} s";
        E2EResult Row(string figure, Func<Figures, string> value, string ratio, string target, bool? met, bool standaloneToo = true) =>
            new(figure, Cell(sharded, value), Cell(classic, value), Cell(signalR, value), ratio, target, met, standaloneToo ? Cell(standalone, value) : "-");

        yield return Row(
            $"delivered events/s, published flat out to all {channels} channels ({window})",
            f => Rate(f.All.Rate),
            $"{Ratio(sharded, standalone, f => f.All.Rate)} standalone, {Ratio(sharded, signalR, f => f.All.Rate)} SignalR",
            ">= 0.8x standalone and > SignalR",
            sharded is null || standalone is null || signalR is null ? false : sharded.All.Rate >= 0.8 * standalone.All.Rate && sharded.All.Rate > signalR.All.Rate);
        yield return Row("published events/s in that window", f => Rate(f.All.Published / options.FanoutDuration.TotalSeconds), "-", "-", null);
        yield return Row(
            "redis-server CPU per 1,000 published events, all processes summed (all channels)",
            f => Ms(f.All.RedisCpuPerThousand.Sum()),
            $"sharded {Ratio(sharded, classic, f => f.All.RedisCpuPerThousand.Sum())} classic",
            "-",
            null);
        yield return Row(
            $"(a) delivered events/s, published only to the {oneMaster} channels of master 1 ({window})",
            f => f.OneMaster is { } a ? Rate(a.Rate) : "-",
            "-",
            "-",
            null,
            standaloneToo: false);
        yield return Row("(a) the owning master's CPU per 1,000 published events", f => f.OneMaster is { } a ? Ms(a.RedisCpuPerThousand[0]) : "-", "-", "-", null, standaloneToo: false);
        yield return Row(
            "(a) the busiest other node against the owning master",
            f => Busiest(f, labels, 1..),
            "-",
            "<= 0.1x (sharded)",
            sharded?.OneMaster is { } shardedOne ? Others(shardedOne, 1..).Max() <= 0.1 : false,
            standaloneToo: false);
        yield return Row("(a) its replica against the owning master", f => Busiest(f, labels, 1..2), "-", "-", null, standaloneToo: false);
        yield return Row("(a) the other shards' nodes, the busiest against the owning master", f => Busiest(f, labels, 2..), "-", "-", null, standaloneToo: false);
        yield return Row(
            "(a) redis-server CPU per 1,000 published events, all six summed",
            f => f.OneMaster is { } a ? Ms(a.RedisCpuPerThousand.Sum()) : "-",
            $"sharded {Ratio(sharded, classic, f => f.OneMaster?.RedisCpuPerThousand.Sum() ?? double.NaN)} classic",
            "-",
            null,
            standaloneToo: false);
        yield return Row("Redis commands per published event (2 instances, summed over the masters; all channels)", f => Count(f.All.CommandsPerEvent), "-", "-", null);
        yield return Row("the same, by command (INFO commandstats: a script's own commands count)", f => f.All.Breakdown, "-", "-", null);
        yield return Row("app servers' CPU per 1,000 deliveries (both instances, all channels)", f => Ms(f.All.CpuPerThousand), "-", "-", null);
        yield return Row("deliveries missing at the end", f => Count(f.Missing), "-", "-", null);
        yield return Row("nothing published: Redis commands per second (summed over the masters)", f => Count(f.Idle.CommandsPerSecond), "-", "-", null);
        yield return Row("nothing published: redis-server CPU per second, all processes summed", f => Ms(f.Idle.RedisCpuPerSecond.Sum()), "-", "-", null);

        var nodeTables = new (string Prefix, Func<Figures, int, string> Value, Func<Figures, int, double>? Compared)[]
        {
            (OneMasterNodes, (f, node) => NodeCell(f.OneMaster, node), (f, node) => f.OneMaster?.RedisCpuPerThousand[node] ?? double.NaN),
            (SpreadNodes, (f, node) => Ms(f.All.RedisCpuPerThousand[node]), (f, node) => f.All.RedisCpuPerThousand[node]),
            (IdleNodes, (f, node) => Ms(f.Idle.RedisCpuPerSecond[node]), null),
        };
        foreach (var (prefix, value, compared) in nodeTables)
        {
            for (var node = 0; node < labels.Length; node++)
            {
                var at = node;
                yield return new(
                    prefix + labels[at],
                    Cell(sharded, f => value(f, at)),
                    Cell(classic, f => value(f, at)),
                    Cell(signalR, f => value(f, at)),
                    compared is null ? "-" : $"sharded {Ratio(sharded, classic, f => compared(f, at))} classic",
                    "-",
                    null);
            }
        }
    }

    // Each node's CPU in window (a) against the owning master's (node 0), for the nodes in the range.
    private static IEnumerable<double> Others(RedisWindow one, Range nodes) =>
        one.RedisCpuPerThousand[nodes].Select(cpu => cpu / one.RedisCpuPerThousand[0]);

    private static string Busiest(Figures figures, string[] labels, Range nodes)
    {
        if (figures.OneMaster is not { } one)
        {
            return "-";
        }

        var ratios = Others(one, nodes).ToList();
        var busiest = ratios.IndexOf(ratios.Max());
        return string.Create(CultureInfo.InvariantCulture, $"{ratios[busiest]:0.000}x ({labels[nodes.GetOffsetAndLength(labels.Length).Offset + busiest]})");
    }

    private static string NodeCell(RedisWindow? one, int node) =>
        one is null ? "-" : Ms(one.RedisCpuPerThousand[node]) + (node == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" ({one.RedisCpuPerThousand[node] / one.RedisCpuPerThousand[0]:0.000}x)"));

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string Cell(Figures? side, Func<Figures, string> value) => side is null ? FanoutScenario.SetupFailed : value(side);

    private static string Ratio(Figures? a, Figures? b, Func<Figures, double> value) =>
        a is null || b is null ? "-" : (value(a) / value(b)).ToString("0.00", CultureInfo.InvariantCulture) + "x";

    private static string Rate(double perSecond) => perSecond.ToString("N0", CultureInfo.InvariantCulture) + " /s";

    private static string Count(double value) => value.ToString("#,0.##", CultureInfo.InvariantCulture);

    private static string Ms(double milliseconds) => milliseconds.ToString("0.000", CultureInfo.InvariantCulture) + " ms";

    /// <summary>The Redis a side runs on: the servers whose commands are counted (the masters), and every redis-server's process.</summary>
    private sealed record Redis(IReadOnlyList<IServer> Masters, IReadOnlyList<int> ProcessIds);

    /// <summary>A side: its subscribers and publisher, how its servers are built, and the pub/sub its hub must use (null: not ours).</summary>
    private sealed record Side(string Name, SpreadFanoutSide Spread, Action<ITakoSseBuilder>? Hub, Action<Microsoft.AspNetCore.SignalR.ISignalRServerBuilder>? SignalR, Redis Redis, bool? Sharded);

    /// <summary>A side's windows: nothing published, (a) one master's channels (on the cluster only) and (b) all of them.</summary>
    private sealed record Figures(RedisIdleWindow Idle, RedisWindow? OneMaster, RedisWindow All, long Missing);
}
