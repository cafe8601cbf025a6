using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Tako.Sse.Mvc.Testing;

/// <summary>
/// A Redis Cluster of the test's own: 3 masters and 3 replicas of redis-server (<c>--cluster-enabled yes</c>) on
/// free loopback ports, no persistence, a temporary directory, joined with <c>redis-cli --cluster create ...
/// --cluster-replicas 1 --cluster-yes</c>, torn down and deleted at the end. It can kill a master (SIGKILL) and
/// wait for its replica's promotion, migrate a slot to another master, and CLUSTER RESET a node, to prove the
/// failover behavior. The benchmarks link this file too (the fanout-cluster run reads each node's CPU by its
/// process id); the tests' start, which skips a test when redis-server is not installed, is in
/// RedisCluster.Skip.cs.
/// </summary>
/// <remarks>
/// The node timeout is short (<see cref="NodeTimeoutMs"/>), so a killed master's replica takes over within a
/// few seconds: the cluster tests' time bounds are stated against it.
/// </remarks>
public sealed partial class RedisCluster : IAsyncDisposable
{
    /// <summary>cluster-node-timeout: how long a master may be unreachable before its replica is promoted.</summary>
    public const int NodeTimeoutMs = 1000;

    private readonly string _directory;
    private readonly string _server;
    private readonly string _cli;
    private readonly string[] _extraArguments;
    private ConnectionMultiplexer? _admin;

    private RedisCluster(string server, string cli, int[] ports, string[] extraArguments)
    {
        _server = server;
        _cli = cli;
        _extraArguments = extraArguments;
        _directory = Directory.CreateTempSubdirectory("tako-redis-cluster-").FullName;
        Nodes = [.. ports.Select(p => new Node(p))];
    }

    /// <summary>The six nodes, in the order they were given to <c>redis-cli --cluster create</c> (masters first).</summary>
    public IReadOnlyList<Node> Nodes { get; }

    /// <summary>Every node's endpoint, comma-separated: a StackExchange.Redis configuration string for the cluster.</summary>
    public string ConnectionString => string.Join(',', Nodes.Select(n => n.EndPoint));

    /// <summary>Starts 6 nodes and joins them, or returns null when redis-server or redis-cli is not installed.</summary>
    /// <param name="extraArguments">More redis-server arguments for every node, such as <c>--stream-node-max-entries 1</c>.</param>
    public static async Task<RedisCluster?> TryStartAsync(params string[] extraArguments)
    {
        if (Find("redis-server") is not { } server || Find("redis-cli") is not { } cli)
        {
            return null;
        }

        var cluster = new RedisCluster(server, cli, FreePorts(6), extraArguments);
        try
        {
            foreach (var node in cluster.Nodes)
            {
                await cluster.StartNodeAsync(node);
            }

            var create = new List<string> { "--cluster", "create" };
            create.AddRange(cluster.Nodes.Select(n => n.EndPoint));
            create.AddRange(["--cluster-replicas", "1", "--cluster-yes"]);
            await cluster.CliAsync(create, TimeSpan.FromSeconds(60));
            await cluster.WaitUntilHealthyAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>A configuration for a test's multiplexer: every node, short timeouts, quick reconnects.</summary>
    public ConfigurationOptions Configuration(string? user = null, string? password = null)
    {
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            ConnectTimeout = 2000,
            SyncTimeout = 1500,
            AsyncTimeout = 1500,
            ConnectRetry = 1,
            KeepAlive = 1,
            ReconnectRetryPolicy = new LinearRetry(100),
            User = user,
            Password = password,
        };
        foreach (var node in Nodes)
        {
            options.EndPoints.Add(node.EndPoint);
        }

        return options;
    }

    /// <summary>A connection of the test's own to the whole cluster (admin commands on), for inspecting keys.</summary>
    public async Task<IConnectionMultiplexer> AdminAsync()
    {
        if (_admin is null)
        {
            var options = Configuration();
            options.AllowAdmin = true;
            _admin = await ConnectionMultiplexer.ConnectAsync(options);
        }

        return _admin;
    }

    /// <summary>Runs one command on one node with redis-cli (no redirection): its output, trimmed.</summary>
    public Task<string> ExecuteAsync(Node node, params string[] command) =>
        CliAsync(
            ["-h", "127.0.0.1", "-p", node.Port.ToString(CultureInfo.InvariantCulture), .. node.Password is { } password ? (string[])["-a", password, "--no-auth-warning"] : [], .. command],
            TimeSpan.FromSeconds(15));

    /// <summary>The hash slot of a key (CLUSTER KEYSLOT).</summary>
    public async Task<int> SlotAsync(string key) =>
        int.Parse(await ExecuteAsync(LiveNodes().First(), "CLUSTER", "KEYSLOT", key), CultureInfo.InvariantCulture);

    /// <summary>The master that serves a slot now, as the first live node sees it.</summary>
    public async Task<Node> MasterOfAsync(int slot)
    {
        foreach (var line in (await ClusterNodesAsync(LiveNodes().First())).Where(l => l.Flags.Contains("master") && !l.Flags.Contains("fail")))
        {
            if (line.Slots.Any(r => r.From <= slot && slot <= r.To))
            {
                return Nodes.Single(n => n.Port == line.Port);
            }
        }

        throw new InvalidOperationException($"No master serves slot {slot}.");
    }

    /// <summary>The live masters, as the first live node sees them.</summary>
    public async Task<List<Node>> MastersAsync() =>
        [.. (await ClusterNodesAsync(LiveNodes().First()))
            .Where(l => l.Flags.Contains("master") && !l.Flags.Contains("fail") && l.Slots.Count > 0)
            .Select(l => Nodes.Single(n => n.Port == l.Port))];

    /// <summary>Kills a node with SIGKILL (no persistence: what it held is gone, unless its replica has it).</summary>
    public async Task KillAsync(Node node)
    {
        if (node.Process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        node.Process = null;
    }

    /// <summary>Waits until a replica of <paramref name="killed"/> serves its slots and the cluster is ok again.</summary>
    public async Task<Node> WaitForPromotionAsync(Node killed, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var live = LiveNodes().First();
            var lines = await ClusterNodesAsync(live);
            var promoted = lines.FirstOrDefault(l => l.Port != killed.Port && l.Flags.Contains("master") && !l.Flags.Contains("fail")
                && l.Slots.Count > 0 && killed.Slots.Any(s => l.Slots.Any(r => r.From <= s.From && s.To <= r.To)));
            if (promoted is not null && await AllOkAsync())
            {
                return Nodes.Single(n => n.Port == promoted.Port);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No replica of {killed.EndPoint} was promoted within {within}; cluster nodes: {string.Join(" | ", lines.Select(l => l.Raw))}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Moves one slot, keys included, from its master to <paramref name="target"/>: CLUSTER SETSLOT IMPORTING /
    /// MIGRATING, MIGRATE of every key in it, then SETSLOT NODE on every master.
    /// </summary>
    public async Task MigrateSlotAsync(int slot, Node target)
    {
        var source = await MasterOfAsync(slot);
        if (source.Port == target.Port)
        {
            throw new ArgumentException($"Slot {slot} is on {target.EndPoint} already.", nameof(target));
        }

        var text = slot.ToString(CultureInfo.InvariantCulture);
        await ExpectOkAsync(target, "CLUSTER", "SETSLOT", text, "IMPORTING", await NodeIdAsync(source));
        await ExpectOkAsync(source, "CLUSTER", "SETSLOT", text, "MIGRATING", await NodeIdAsync(target));
        while (true)
        {
            var keys = (await ExecuteAsync(source, "CLUSTER", "GETKEYSINSLOT", text, "100")).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (keys.Length == 0)
            {
                break;
            }

            await ExpectOkAsync(source, ["MIGRATE", "127.0.0.1", target.Port.ToString(CultureInfo.InvariantCulture), "", "0", "5000", "KEYS", .. keys]);
        }

        var targetId = await NodeIdAsync(target);
        foreach (var master in await MastersAsync())
        {
            await ExpectOkAsync(master, "CLUSTER", "SETSLOT", text, "NODE", targetId);
        }

        await WaitUntilAsync(async () => (await MasterOfAsync(slot)).Port == target.Port && await AllOkAsync(), TimeSpan.FromSeconds(20), $"slot {slot} on {target.EndPoint}");
    }

    /// <summary>CLUSTER RESET HARD of one node: it forgets the cluster (a master must hold no keys for it).</summary>
    public Task ResetAsync(Node node) => ExpectOkAsync(node, "CLUSTER", "RESET", "HARD");

    /// <summary>Each live master that serves slots with its live replicas, as the first live node sees them.</summary>
    public async Task<List<(Node Master, List<Node> Replicas)>> ShardsAsync()
    {
        var lines = await ClusterNodesAsync(LiveNodes().First());
        return [.. lines
            .Where(l => l.Flags.Contains("master") && !l.Flags.Contains("fail") && l.Slots.Count > 0)
            .Select(m => (
                Nodes.Single(n => n.Port == m.Port),
                lines.Where(r => r.MasterId == m.Id && !r.Flags.Contains("fail")).Select(r => Nodes.Single(n => n.Port == r.Port)).ToList()))];
    }

    /// <summary>The replicas (nodes flagged slave), as the first live node sees them.</summary>
    public async Task<List<Node>> ReplicasAsync() =>
        [.. (await ClusterNodesAsync(LiveNodes().First())).Where(l => l.Flags.Contains("slave") && !l.Flags.Contains("fail")).Select(l => Nodes.Single(n => n.Port == l.Port))];

    public async ValueTask DisposeAsync()
    {
        _admin?.Dispose();
        foreach (var node in Nodes)
        {
            await KillAsync(node);
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }

    private IEnumerable<Node> LiveNodes() => Nodes.Where(n => n.Process is { HasExited: false });

    private async Task StartNodeAsync(Node node)
    {
        var port = node.Port.ToString(CultureInfo.InvariantCulture);
        var start = new ProcessStartInfo(_server) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _directory,
                     "--daemonize", "no", "--cluster-enabled", "yes", "--cluster-config-file", $"nodes-{port}.conf",
                     "--cluster-node-timeout", NodeTimeoutMs.ToString(CultureInfo.InvariantCulture), "--dbfilename", $"dump-{port}.rdb",
                     "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0", .. _extraArguments])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        node.Process = process;
        await WaitUntilAsync(() => Task.FromResult(Answers(node.Port) || process.HasExited), TimeSpan.FromSeconds(20), $"redis-server on port {port}");
        if (process.HasExited)
        {
            throw new InvalidOperationException($"redis-server on port {port} exited at start.");
        }
    }

    // Every live node says cluster_state:ok, every master has a replica in sync, and the slot map is whole.
    private async Task WaitUntilHealthyAsync()
    {
        await WaitUntilAsync(async () =>
        {
            if (!await AllOkAsync())
            {
                return false;
            }

            var lines = await ClusterNodesAsync(Nodes[0]);
            var masters = lines.Where(l => l.Flags.Contains("master")).ToList();
            var replicas = lines.Where(l => l.Flags.Contains("slave")).ToList();
            if (masters.Count != 3 || replicas.Count != 3)
            {
                return false;
            }

            foreach (var replica in replicas)
            {
                var info = await ExecuteAsync(Nodes.Single(n => n.Port == replica.Port), "INFO", "replication");
                if (!info.Contains("master_link_status:up", StringComparison.Ordinal))
                {
                    return false;
                }
            }

            foreach (var node in Nodes)
            {
                node.Slots = lines.Single(l => l.Port == node.Port).Slots;
            }

            return true;
        }, TimeSpan.FromSeconds(60), "the cluster to be ok with 3 masters and 3 replicas in sync");
    }

    private async Task<bool> AllOkAsync()
    {
        foreach (var node in LiveNodes())
        {
            if (!(await ExecuteAsync(node, "CLUSTER", "INFO")).Contains("cluster_state:ok", StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private async Task<string> NodeIdAsync(Node node) => await ExecuteAsync(node, "CLUSTER", "MYID");

    private async Task ExpectOkAsync(Node node, params string[] command)
    {
        var answer = await ExecuteAsync(node, command);
        if (answer != "OK" && !(command[0] == "MIGRATE" && answer == "NOKEY"))
        {
            throw new InvalidOperationException($"{string.Join(' ', command)} on {node.EndPoint} answered: {answer}");
        }
    }

    private async Task<List<NodeLine>> ClusterNodesAsync(Node node) =>
        [.. (await ExecuteAsync(node, "CLUSTER", "NODES")).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(NodeLine.Parse)];

    private async Task<string> CliAsync(IEnumerable<string> arguments, TimeSpan within)
    {
        var start = new ProcessStartInfo(_cli) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(within);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"redis-cli {string.Join(' ', start.ArgumentList)} did not finish within {within}.");
        }

        var text = (await output).Trim();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', start.ArgumentList)} failed ({process.ExitCode}): {text} {await error}");
        }

        return text;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {within} waiting for {what}.");
            }

            await Task.Delay(50);
        }
    }

    private static string? Find(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin").Append("/usr/local/bin"))
        {
            var candidate = Path.Combine(directory, name);
            if (directory.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    // A node needs two ports: its own and its cluster bus port (its own + 10000), both free.
    private static int[] FreePorts(int count)
    {
        var ports = new List<int>();
        var random = new Random();
        while (ports.Count < count)
        {
            var port = random.Next(20000, 30000);
            if (!ports.Contains(port) && !ports.Contains(port + 10000) && IsFree(port) && IsFree(port + 10000))
            {
                ports.Add(port);
            }
        }

        return [.. ports];
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static bool Answers(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>One redis-server of the cluster.</summary>
    public sealed class Node(int port)
    {
        public int Port { get; } = port;

        public string EndPoint => $"127.0.0.1:{Port}";

        /// <summary>The slot ranges it served when the cluster was created.</summary>
        public IReadOnlyList<(int From, int To)> Slots { get; internal set; } = [];

        /// <summary>Gets or sets the default user's password, once a test has given it one (redis-cli then sends it).</summary>
        public string? Password { get; set; }

        public int ProcessId => Process?.Id ?? throw new InvalidOperationException($"{EndPoint} is not running.");

        internal Process? Process { get; set; }

        public override string ToString() => EndPoint;
    }

    private sealed record NodeLine(string Raw, string Id, int Port, string[] Flags, string MasterId, List<(int From, int To)> Slots)
    {
        // <id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot> <slot> ...
        public static NodeLine Parse(string raw)
        {
            var fields = raw.Split(' ');
            var address = fields[1];
            var port = int.Parse(address[(address.IndexOf(':', StringComparison.Ordinal) + 1)..address.IndexOf('@', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
            var slots = new List<(int, int)>();
            foreach (var field in fields.Skip(8).Where(f => !f.StartsWith('[')))
            {
                var dash = field.IndexOf('-', StringComparison.Ordinal);
                slots.Add(dash < 0
                    ? (int.Parse(field, CultureInfo.InvariantCulture), int.Parse(field, CultureInfo.InvariantCulture))
                    : (int.Parse(field[..dash], CultureInfo.InvariantCulture), int.Parse(field[(dash + 1)..], CultureInfo.InvariantCulture)));
            }

            return new NodeLine(raw, fields[0], port, fields[2].Split(','), fields[3], slots);
        }
    }
}
