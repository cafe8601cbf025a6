using System.Globalization;

namespace Tako.Sse.Mvc.Benchmarks.E2E;

/// <summary>The command line of the end-to-end run; every count and duration is bounded.</summary>
internal sealed class E2EOptions
{
    // A plain e2e run is all of these; the scale run (half an hour) and the churn run run only when named.
    private static readonly string[] s_scenarios = ["throughput", "latency", "idle", "keepalive", "ttfb", "fanout", "fanout-redis", "fanout-cluster"];
    private static readonly string[] s_named = [.. s_scenarios, "scale", "churn"];

    /// <summary>Gets the events per throughput run (each side, each round).</summary>
    public int Events { get; private set; } = 2_000_000;

    /// <summary>Gets the throughput rounds per side; the median is reported.</summary>
    public int Rounds { get; private set; } = 5;

    /// <summary>Gets the events per latency run (one every <see cref="Interval"/>).</summary>
    public int LatencyEvents { get; private set; } = 500;

    /// <summary>Gets the latency rounds (each side streams <see cref="LatencyEvents"/> per round).</summary>
    public int LatencyRounds { get; private set; } = 6;

    /// <summary>Gets the period of the latency producer.</summary>
    public TimeSpan Interval { get; private set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Gets the open streams of the idle and keep-alive runs.</summary>
    public int Streams { get; private set; } = 5_000;

    /// <summary>Gets how long the keep-alive run measures.</summary>
    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets the keep-alive period of the keep-alive run.</summary>
    public TimeSpan KeepAlive { get; private set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets the keep-alive rounds (ours and the limit once each per round, alternating).</summary>
    public int KeepAliveRounds { get; private set; } = 2;

    /// <summary>Gets how long the time-to-first-byte source waits before its first event.</summary>
    public TimeSpan FirstEventDelay { get; private set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Gets the time-to-first-byte samples per side.</summary>
    public int TtfbSamples { get; private set; } = 5;

    /// <summary>Gets the subscribers of the fan-out run (each side).</summary>
    public int FanoutSubscribers { get; private set; } = 5_000;

    /// <summary>Gets how long the fan-out run publishes flat out (each side, with and without a stuck subscriber).</summary>
    public TimeSpan FanoutDuration { get; private set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets the events of the fan-out latency run (each side).</summary>
    public int FanoutLatencyEvents { get; private set; } = 200;

    /// <summary>Gets the period of the fan-out latency run's publisher.</summary>
    public TimeSpan FanoutInterval { get; private set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Gets the sides of the fan-out run to measure (all four by default; the table needs all four).</summary>
    public IReadOnlySet<string> FanoutSides { get; private set; } = new HashSet<string>(["ours", "naive", "signalr", "bare", "multi"]);

    /// <summary>Gets the channels of the fanout-cluster run, as many on each master (rounded down to a multiple of 3).</summary>
    public int ClusterChannels { get; private set; } = 300;

    /// <summary>
    /// Gets the subscribers of each channel of the fanout-cluster run, on each of its two instances: 8 puts 4,800 on
    /// 300 channels, about the 5,000 of the fanout-redis run on one.
    /// </summary>
    public int ClusterSubscribers { get; private set; } = 8;

    /// <summary>Gets the subscriber counts of the scale run; 0 is the most the open-file limit allows.</summary>
    public IReadOnlyList<int> ScaleSizes { get; private set; } = [5_000, 10_000, 0];

    /// <summary>Gets the publish rates the scale run steps through (events/s), after one a second.</summary>
    public IReadOnlyList<int> ScaleRates { get; private set; } = [1, 2, 5, 10, 20];

    /// <summary>Gets how long the scale run publishes one event a second for its latency line.</summary>
    public TimeSpan ScaleLatencyWindow { get; private set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets how long each rate step of the scale run lasts.</summary>
    public TimeSpan ScaleStepWindow { get; private set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets the idle and keep-alive windows of the scale run.</summary>
    public TimeSpan ScaleKeepAliveWindow { get; private set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets the sides of the scale run.</summary>
    public IReadOnlySet<string> ScaleSides { get; private set; } = new HashSet<string>(["ours", "signalr"]);

    /// <summary>Gets the subscribers of the churn run open at once, stayers and churners together.</summary>
    public int ChurnSubscribers { get; private set; } = 10_000;

    /// <summary>Gets the subscribers that stay for the whole churn run; 0 is a fifth of <see cref="ChurnSubscribers"/>.</summary>
    public int ChurnStayers { get; private set; }

    /// <summary>Gets the connects (and as many leaves) a second of the churn run.</summary>
    public int ChurnRate { get; private set; } = 2_000;

    /// <summary>Gets how long the churn run churns, after its warm-up.</summary>
    public TimeSpan ChurnDuration { get; private set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets the churn run's warm-up: the same load, before the start is measured.</summary>
    public TimeSpan ChurnWarmup { get; private set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets the listen backlog of the churn run's server, or null for Kestrel's (512).</summary>
    public int? ChurnBacklog { get; private set; }

    /// <summary>Gets the one endpoint to stream from in a loop (for a profiler), or null for the normal run.</summary>
    public string? Profile { get; private set; }

    /// <summary>Gets how long the idle run keeps its streams open after measuring, and the churn run waits at its start and end (to take a heap dump).</summary>
    public TimeSpan Hold { get; private set; }

    /// <summary>Gets whether the keep-alive run names what it allocates (runtime allocation events; slight overhead).</summary>
    public bool SampleAllocations { get; private set; }

    /// <summary>Gets the scenarios to run.</summary>
    public IReadOnlySet<string> Only { get; private set; } = new HashSet<string>(s_scenarios);

    public static string Usage =>
        """
        e2e options (all optional):
          --events N          events per throughput round, each side (default 2000000, 1000..50000000)
          --rounds N          throughput rounds per side, median reported (default 5, 1..20)
          --latency-events N  events of the 10 ms producer per round (default 500, 10..10000)
          --latency-rounds N  latency rounds, quantiles over all of them (default 6, 1..20)
          --interval 10ms     period of the latency producer (1ms..1s)
          --streams N         idle / keep-alive streams (default 5000, 1..10000)
          --duration 10s      keep-alive measurement window (1s..120s)
          --keepalive 1s      keep-alive period of that run (100ms..60s)
          --keepalive-rounds N  keep-alive windows per side, ours and the limit alternating (default 2, 1..10)
          --first-event 500ms delay before the first event of the TTFB source (10ms..10s)
          --ttfb-samples N    TTFB requests per side (default 5, 1..50)
          --fanout-subscribers N  subscribers of the fan-out run, each side (default 5000, 1..10000)
          --fanout-duration 10s   flat-out publishing window, with and without a stuck subscriber (1s..60s);
                                  also each window of fanout-redis and fanout-cluster
          --fanout-latency-events N  events of the fixed-rate fan-out run (default 200, 10..5000)
          --fanout-interval 20ms  period of that run (1ms..1s)
          --fanout-sides a,b      any of ours, naive, signalr, bare, multi: measure only these (prints their lines;
                                  the main table needs the first four, the multi-channel table ours and multi)
          --cluster-channels N    channels of the fanout-cluster run, a third on each master (default 300, 3..3000)
          --cluster-subscribers N subscribers of each of them on each of the 2 instances (default 8, 1..100;
                                  channels times subscribers at most 10000)
          --only a,b          any of: throughput, latency, idle, keepalive, ttfb, fanout, fanout-redis, fanout-cluster,
                              scale, churn
                              (scale and churn only when named)
          --scale-sizes a,b   subscribers of the scale run, max = the open-file limit's most (default 5000,10000,max; 1..100000)
          --scale-rates a,b   publish rates it steps through, events/s (default 1,2,5,10,20)
          --scale-latency 60s one event a second for this long (1s..600s)
          --scale-step 10s    each rate step (1s..120s)
          --scale-idle 30s    idle and keep-alive windows (1s..120s; keep-alive is at 15 s)
          --scale-sides a,b   ours, signalr, bare (default ours,signalr; bare is the fan-out run's bare ring, the floor)
          --churn-subscribers N  subscribers of the churn run open at once, stayers included (default 10000, 10..18000)
          --churn-stayers N   of them, those that stay the whole run and must get every event (default a fifth)
          --churn-rate N      connects a second, and as many leaves (default 2000, 1..10000); a churner stays
                              (subscribers - stayers) / rate seconds on average
          --churn-duration 60s  how long it churns, one event a second to the channel (1s..600s)
          --churn-warmup 10s  the same load first, before the start is measured (1s..120s)
          --churn-backlog N   the server's listen backlog (default Kestrel's 512; 1..65535; the kernel caps it
                              at net.core.somaxconn)
          --hold 30s          keep the idle streams open this long after measuring, for a heap dump (0..600s);
                              the churn run waits this long at its start and at its end
          --sample-allocations on  name the types the keep-alive window allocates (on/off, default off)
          --profile side      stream ours, builtin or limit throughput rounds only, to attach a profiler
        """;

    public static E2EOptions Parse(string[] args)
    {
        var options = new E2EOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            var value = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.\n{Usage}");
            switch (name)
            {
                case "--events": options.Events = Int(value, 1_000, 50_000_000); break;
                case "--rounds": options.Rounds = Int(value, 1, 20); break;
                case "--latency-events": options.LatencyEvents = Int(value, 10, 10_000); break;
                case "--latency-rounds": options.LatencyRounds = Int(value, 1, 20); break;
                case "--interval": options.Interval = Time(value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1)); break;
                case "--streams": options.Streams = Int(value, 1, 10_000); break;
                case "--duration": options.Duration = Time(value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(120)); break;
                case "--keepalive": options.KeepAlive = Time(value, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(60)); break;
                case "--keepalive-rounds": options.KeepAliveRounds = Int(value, 1, 10); break;
                case "--first-event": options.FirstEventDelay = Time(value, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(10)); break;
                case "--ttfb-samples": options.TtfbSamples = Int(value, 1, 50); break;
                case "--hold": options.Hold = Time(value, TimeSpan.Zero, TimeSpan.FromSeconds(600)); break;
                case "--sample-allocations": options.SampleAllocations = value == "on"; break;
                case "--fanout-subscribers": options.FanoutSubscribers = Int(value, 1, 10_000); break;
                case "--fanout-duration": options.FanoutDuration = Time(value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60)); break;
                case "--fanout-latency-events": options.FanoutLatencyEvents = Int(value, 10, 5_000); break;
                case "--fanout-interval": options.FanoutInterval = Time(value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1)); break;
                case "--fanout-sides": options.FanoutSides = new HashSet<string>(value.Split(','), StringComparer.Ordinal); break;
                case "--cluster-channels": options.ClusterChannels = Int(value, 3, 3_000) / 3 * 3; break;
                case "--cluster-subscribers": options.ClusterSubscribers = Int(value, 1, 100); break;
                case "--only": options.Only = Scenarios(value); break;
                case "--scale-sizes": options.ScaleSizes = [.. value.Split(',').Select(v => v == "max" ? 0 : Int(v, 1, 100_000))]; break;
                case "--scale-rates": options.ScaleRates = [.. value.Split(',').Select(v => Int(v, 1, 1_000)).Order()]; break;
                case "--scale-latency": options.ScaleLatencyWindow = Time(value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(600)); break;
                case "--scale-step": options.ScaleStepWindow = Time(value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(120)); break;
                case "--scale-idle": options.ScaleKeepAliveWindow = Time(value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(120)); break;
                case "--scale-sides": options.ScaleSides = new HashSet<string>(value.Split(','), StringComparer.Ordinal); break;
                case "--churn-subscribers": options.ChurnSubscribers = Int(value, 10, 18_000); break;
                case "--churn-stayers": options.ChurnStayers = Int(value, 1, 17_999); break;
                case "--churn-rate": options.ChurnRate = Int(value, 1, 10_000); break;
                case "--churn-duration": options.ChurnDuration = Time(value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(600)); break;
                case "--churn-warmup": options.ChurnWarmup = Time(value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(120)); break;
                case "--churn-backlog": options.ChurnBacklog = Int(value, 1, 65_535); break;
                case "--profile": options.Profile = value is "ours" or "builtin" or "limit" ? value : throw new ArgumentException($"--profile takes ours, builtin or limit.\n{Usage}"); break;
                default: throw new ArgumentException($"Unknown option {name}.\n{Usage}");
            }
        }

        // Each instance's subscribers are one child process's streams, bounded as the fan-out run's are.
        if (options.ClusterChannels * options.ClusterSubscribers > 10_000)
        {
            throw new ArgumentException($"--cluster-channels times --cluster-subscribers is at most 10000 (one child process's streams per instance).\n{Usage}");
        }

        return options;
    }

    private static HashSet<string> Scenarios(string value)
    {
        var set = new HashSet<string>(value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal);
        foreach (var name in set)
        {
            if (!s_named.Contains(name))
            {
                throw new ArgumentException($"Unknown scenario {name}.\n{Usage}");
            }
        }

        return set;
    }

    private static int Int(string value, int min, int max)
    {
        var parsed = int.Parse(value.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture);
        return parsed < min || parsed > max ? throw new ArgumentOutOfRangeException(nameof(value), $"{value} is outside {min}..{max}.") : parsed;
    }

    private static TimeSpan Time(string value, TimeSpan min, TimeSpan max)
    {
        TimeSpan parsed;
        if (value.EndsWith("ms", StringComparison.Ordinal))
        {
            parsed = TimeSpan.FromMilliseconds(double.Parse(value[..^2], CultureInfo.InvariantCulture));
        }
        else if (value.EndsWith('s'))
        {
            parsed = TimeSpan.FromSeconds(double.Parse(value[..^1], CultureInfo.InvariantCulture));
        }
        else
        {
            parsed = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture));
        }

        return parsed < min || parsed > max ? throw new ArgumentOutOfRangeException(nameof(value), $"{value} is outside {min}..{max}.") : parsed;
    }
}
