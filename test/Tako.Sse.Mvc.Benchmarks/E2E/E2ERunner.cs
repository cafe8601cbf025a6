using Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

namespace Tako.Sse.Mvc.Benchmarks.E2E;

/// <summary>
/// The <c>e2e</c> command: ours and the built-in SSE result side by side on Kestrel at 127.0.0.1, every
/// figure with its ratio and target, printed as Markdown.
/// </summary>
internal static class E2ERunner
{
    public static async Task<int> RunAsync(string[] args)
    {
        E2EOptions options;
        try
        {
            options = E2EOptions.Parse(args);
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(exception.Message);
            return 2;
        }

        ReportPrinter.PrintHeader(string.Join(' ', args));
        var results = new List<E2EResult>();
        var fanout = new List<E2EResult>();
        var fanoutRedis = new List<E2EResult>();
        var fanoutCluster = new List<E2EResult>();
        var failed = new List<string>();
        var scale = new List<E2EResult>();
        string? scaleTable = null;
        var churn = new List<E2EResult>();
        string? churnTable = null;

        if (options.Only.Overlaps(["throughput", "latency", "ttfb"]))
        {
            await using var server = await E2EServer.StartAsync(TimeSpan.FromSeconds(15));
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AutomaticDecompression = System.Net.DecompressionMethods.None })
            {
                Timeout = TimeSpan.FromMinutes(2),
            };
            await Run("throughput", () => ThroughputScenario.RunAsync(server, client, options));
            await Run("latency", () => LatencyScenario.RunAsync(server, client, options));
            await Run("ttfb", () => TimeToFirstByteScenario.RunAsync(server, client, options));
        }

        await Run("idle", () => IdleStreamsScenario.RunAsync(options));
        await Run("keepalive", () => KeepAliveCostScenario.RunAsync(options));
        await Run("fanout", () => FanoutScenario.RunAsync(options), fanout);
        await Run("fanout-redis", () => RedisFanoutScenario.RunAsync(options), fanoutRedis);
        await Run("fanout-cluster", () => ClusterFanoutScenario.RunAsync(options), fanoutCluster);
        await Run(
            "scale",
            async () =>
            {
                var (rows, table) = await Scale.ScaleScenario.RunAsync(options);
                scaleTable = table;
                return rows;
            },
            scale);
        await Run(
            "churn",
            async () =>
            {
                var (rows, table) = await Churn.ChurnScenario.RunAsync(options);
                churnTable = table;
                return rows;
            },
            churn);

        Console.WriteLine($"- load average after the run: {ReportPrinter.LoadAverage()}");
        Console.WriteLine();
        if (results.Count > 0)
        {
            ReportPrinter.PrintTable(results);
        }

        var multi = fanout.Where(r => r.Figure.StartsWith(FanoutScenario.MultiPrefix, StringComparison.Ordinal)).ToList();
        var single = fanout.Except(multi).ToList();
        if (single.Count > 0)
        {
            ReportPrinter.PrintTable(single, "naive fan-out", "SignalR", fourth: "bare ring (limit)");
        }

        if (multi.Count > 0)
        {
            ReportPrinter.PrintTable(
                multi.Select(r => r with { Figure = r.Figure[FanoutScenario.MultiPrefix.Length..] }),
                "ours, 1 channel",
                "-",
                $"ours, {1 + FanoutSides.OwnChannels} channels");
        }

        if (fanoutRedis.Count > 0)
        {
            ReportPrinter.PrintTable(fanoutRedis, "in-memory hub", "SignalR through Redis", "ours through Redis");
        }

        if (fanoutCluster.Count > 0)
        {
            PrintClusterTables(fanoutCluster);
        }

        if (scaleTable is not null)
        {
            Console.WriteLine(scaleTable);
            ReportPrinter.PrintTable(scale, "-", "-", "ours at the largest N");
        }

        if (churnTable is not null)
        {
            Console.WriteLine(churnTable);
        }

        // 3: some side or scenario could not run at all (its row says why); 1: a target was missed.
        var all = results.Concat(fanout).Concat(fanoutRedis).Concat(fanoutCluster).Concat(scale).Concat(churn).ToList();
        if (failed.Count > 0 || all.Any(r => r.Figure.StartsWith(FanoutScenario.SetupFailed, StringComparison.Ordinal)))
        {
            foreach (var failure in failed)
            {
                Console.WriteLine($"- {failure}");
            }

            return 3;
        }

        return all.Any(r => r.Met == false) ? 1 : 0;

        // The main table, then each window's redis-server CPU node by node.
        static void PrintClusterTables(List<E2EResult> rows)
        {
            (string Prefix, string Title)[] nodeTables =
            [
                (ClusterFanoutScenario.OneMasterNodes, "(a) redis-server CPU per 1,000 published events, publishing only to master 1's channels (against master 1's):"),
                (ClusterFanoutScenario.SpreadNodes, "(b) redis-server CPU per 1,000 published events, publishing to all channels:"),
                (ClusterFanoutScenario.IdleNodes, "redis-server CPU per second with the subscribers connected and nothing published:"),
            ];
            ReportPrinter.PrintTable(
                rows.Where(r => !nodeTables.Any(t => r.Figure.StartsWith(t.Prefix, StringComparison.Ordinal))),
                "ours, classic (forced)",
                "SignalR (classic)",
                "ours, sharded",
                "ours, standalone Redis");
            foreach (var (prefix, title) in nodeTables)
            {
                Console.WriteLine(title);
                Console.WriteLine();
                ReportPrinter.PrintTable(
                    rows.Where(r => r.Figure.StartsWith(prefix, StringComparison.Ordinal)).Select(r => r with { Figure = r.Figure[prefix.Length..] }),
                    "ours, classic (forced)",
                    "SignalR (classic)",
                    "ours, sharded");
            }
        }

        async Task Run(string name, Func<Task<IReadOnlyList<E2EResult>>> scenario, List<E2EResult>? into = null)
        {
            if (!options.Only.Contains(name))
            {
                return;
            }

            Console.WriteLine($"running {name}...");
            var started = DateTime.UtcNow;
            try
            {
                (into ?? results).AddRange(await scenario());
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // One scenario that cannot run does not lose the others' figures.
                Console.WriteLine($"  {name} failed: {exception}");
                failed.Add($"{name} could not run: {exception.GetType().Name}: {exception.Message}");
            }

            Console.WriteLine($"  {name} done in {(DateTime.UtcNow - started).TotalSeconds:0} s");
        }
    }
}
