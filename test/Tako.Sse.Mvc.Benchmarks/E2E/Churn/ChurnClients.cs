using System.Globalization;
using Tako.Sse.Mvc.Benchmarks.E2E.Fanout;
using Tako.Sse.Mvc.Benchmarks.E2E.Scale;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Churn;

/// <summary>What the churners counted up to the end of the churn window, over all their processes.</summary>
internal readonly record struct ChurnCounts(long Connects, long Leaves, long Failures, long Unanswered);

/// <summary>What the stayers' check found: subscribers that lacked or doubled an event, and the totals.</summary>
internal readonly record struct StayerCheck(int Missed, int Duplicated, long Missing, long Duplicates);

/// <summary>
/// The subscribers of one churn phase (<see cref="ChurnClientProcess"/>): the stayers, then the churners, in
/// child processes of at most <see cref="ScaleClients.PerChild"/> connections each. The stayers of a process
/// connect from one loopback address, 127.0.0.2 upwards; each churner process from several of its own, enough
/// that the ports its FINs leave in TIME_WAIT (60 s) stay within a third of a source address's range.
/// </summary>
internal sealed class ChurnClients : IAsyncDisposable
{
    // A third of the ephemeral range (32768-60999) per source address.
    private const int PortsPerAddress = 9_000;

    private static readonly TimeSpan s_timeWait = TimeSpan.FromSeconds(60);

    private readonly List<FanoutClient> _stayers;
    private readonly List<FanoutClient> _churners;

    private ChurnClients(List<FanoutClient> stayers, List<FanoutClient> churners)
    {
        _stayers = stayers;
        _churners = churners;
    }

    public TimeSpan CpuTime => TimeSpan.FromTicks(_stayers.Concat(_churners).Sum(c => c.CpuTime.Ticks));

    /// <summary>
    /// Starts the children; the addresses are taken from <paramref name="nextAddress"/> on (the last byte of
    /// 127.0.0.x), so that a later phase does not meet the TIME_WAIT ports of an earlier one.
    /// </summary>
    public static ChurnClients Start(Uri url, int stayers, int churners, int rate, long firstSequence, ref int nextAddress)
    {
        var stay = new List<FanoutClient>();
        foreach (var count in Split(stayers))
        {
            stay.Add(FanoutClient.Start(ChurnClientProcess.Verb, ["stay", url.ToString(), Number(count), Number(firstSequence), Address(nextAddress++)]));
        }

        var churn = new List<FanoutClient>();
        var processes = Split(churners);
        foreach (var count in processes)
        {
            var processRate = Math.Max(1, rate * count / churners);
            var timeWait = (long)(processRate / 2 * s_timeWait.TotalSeconds);
            var addresses = (int)Math.Max(1, Math.Ceiling((timeWait + count) / (double)PortsPerAddress));
            if (nextAddress + addresses > 254)
            {
                throw new InvalidOperationException($"The churn run needs more source addresses than 127.0.0.2-254 ({nextAddress + addresses - 2}).");
            }

            var sources = string.Join(',', Enumerable.Range(nextAddress, addresses).Select(Address));
            nextAddress += addresses;
            churn.Add(FanoutClient.Start(ChurnClientProcess.Verb, ["churn", url.ToString(), Number(count), Number(processRate), sources]));
        }

        return new ChurnClients(stay, churn);
    }

    /// <summary>Waits until every stayer is open; on failure, says how far each process got.</summary>
    public async Task<string?> WaitStayersOpenAsync(TimeSpan deadline)
    {
        var opened = await Task.WhenAll(_stayers.Select(c => c.WaitOpenAsync(deadline)));
        return opened.All(o => o) ? null : string.Join("; ", _stayers.Select((c, i) => $"stayers {i + 1}: {(opened[i] ? "open" : c.Describe())}"));
    }

    public async Task StartChurnAsync()
    {
        var replies = await Task.WhenAll(_churners.Select(c => c.CommandAsync("start", "started", TimeSpan.FromSeconds(60))));
        if (replies.Any(r => r is null))
        {
            throw new InvalidOperationException($"A churn client did not start: {string.Join("; ", _churners.Select(c => c.Describe()))}");
        }
    }

    /// <summary>What the churners counted so far.</summary>
    public Task<ChurnCounts> CountsAsync() => CountsAsync("stats", "stats ");

    /// <summary>Has every churner leave; returns what they counted up to this call.</summary>
    public Task<ChurnCounts> StopChurnAsync() => CountsAsync("stop", "stopped ");

    private async Task<ChurnCounts> CountsAsync(string command, string reply)
    {
        var replies = await Task.WhenAll(_churners.Select(c => c.CommandAsync(command, reply, TimeSpan.FromSeconds(60))));
        var counts = new ChurnCounts(0, 0, 0, 0);
        foreach (var line in replies)
        {
            var n = Numbers(line ?? throw new InvalidOperationException($"A churn client did not answer {command}."));
            counts = new ChurnCounts(counts.Connects + n[0], counts.Leaves + n[1], counts.Failures + n[2], counts.Unanswered + n[3]);
        }

        return counts;
    }

    /// <summary>What the stayers lack or doubled of the <paramref name="events"/> published since they joined.</summary>
    public async Task<StayerCheck> CheckAsync(long events)
    {
        var replies = await Task.WhenAll(_stayers.Select(c => c.CommandAsync($"check {events}", "checked ", TimeSpan.FromSeconds(30))));
        var check = new StayerCheck(0, 0, 0, 0);
        foreach (var reply in replies)
        {
            var n = Numbers(reply ?? throw new InvalidOperationException("A stayer client did not check."));
            check = new StayerCheck(check.Missed + (int)n[0], check.Duplicated + (int)n[1], check.Missing + n[2], check.Duplicates + n[3]);
        }

        return check;
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_stayers.Concat(_churners).Select(c => c.DisposeAsync().AsTask()));
    }

    // Even shares of at most PerChild each.
    private static List<int> Split(int total)
    {
        var processes = (total + ScaleClients.PerChild - 1) / ScaleClients.PerChild;
        return [.. Enumerable.Range(0, processes).Select(i => (total / processes) + (i < total % processes ? 1 : 0))];
    }

    private static long[] Numbers(string reply) =>
        [.. reply.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(t => long.Parse(t, CultureInfo.InvariantCulture))];

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Address(int last) => string.Create(CultureInfo.InvariantCulture, $"127.0.0.{last}");
}
