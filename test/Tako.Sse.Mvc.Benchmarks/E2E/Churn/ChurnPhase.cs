using System.Diagnostics;
using Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Churn;

/// <summary>What one churn phase measured.</summary>
internal sealed record ChurnFigures(
    TimeSpan Window,
    ChurnCounts Counts,
    TimeSpan SteadyWindow,
    ChurnCounts Steady,
    long Events,
    StayerCheck Check,
    TimeSpan ServerCpu,
    TimeSpan ClientCpu,
    int MinSubscribers,
    double MeanSubscribers,
    int MaxSubscribers,
    int PeakThreads);

/// <summary>
/// One phase of the churn run on a running server: the stayers join and the server counts them; then, for
/// the window, the churners come and go while one event a second is published to the channel; then the
/// churners leave, the stayers are checked for every event of the window (polled until they have all, or a
/// deadline), and leave.
/// </summary>
internal static class ChurnPhase
{
    private static readonly TimeSpan s_settle = TimeSpan.FromSeconds(30);

    /// <summary>Starts the phase's clients, from <paramref name="nextAddress"/> on (which moves past them), and runs it.</summary>
    public static Task<ChurnFigures> RunAsync(FanoutServer server, ChurnShape shape, TimeSpan window, long firstSequence, ref int nextAddress) =>
        RunAsync(
            server.Services,
            ChurnClients.Start(new Uri(server.BaseAddress, FanoutSides.Ours.Path), shape.Stayers, shape.Churners, shape.Rate, firstSequence, ref nextAddress),
            shape,
            window,
            firstSequence);

    private static async Task<ChurnFigures> RunAsync(IServiceProvider services, ChurnClients clients, ChurnShape shape, TimeSpan window, long firstSequence)
    {
        await using var owned = clients;
        var failure = await clients.WaitStayersOpenAsync(TimeSpan.FromSeconds(60 + (shape.Stayers / 50.0)));
        if (failure is not null || !await ServerSideProbe.WaitUntilAsync(() => FanoutSides.Ours.Subscribers(services) == shape.Stayers, TimeSpan.FromSeconds(60)))
        {
            throw new InvalidOperationException($"{FanoutSides.Ours.Subscribers(services):N0} of {shape.Stayers:N0} stayers joined the server; {failure ?? "every stayer process open"}");
        }

        var cpu = ServerSideProbe.CpuTime();
        var clientCpu = clients.CpuTime;
        await clients.StartChurnAsync();
        var started = Stopwatch.GetTimestamp();
        var sequence = firstSequence;
        var counts = new List<int>();
        var peakThreads = 0;

        // The connects and leaves a second are taken once the churners have reached their number and their
        // leaves have caught up with their connects (two mean stays, at most half the window).
        var ramp = TimeSpan.FromTicks(Math.Min(shape.MeanStay.Ticks * 2, window.Ticks / 2));
        ChurnCounts? atRamp = null;
        var rampEnded = 0L;

        // One event a second; each tick also samples the server's count, once the churners have had one mean
        // stay to reach their number.
        using (var timer = new PeriodicTimer(TimeSpan.FromSeconds(1)))
        {
            while (Stopwatch.GetElapsedTime(started) + TimeSpan.FromSeconds(1) <= window + TimeSpan.FromMilliseconds(100) && await timer.WaitForNextTickAsync())
            {
                await FanoutSides.Ours.PublishAsync(services, sequence++, CancellationToken.None);
                peakThreads = Math.Max(peakThreads, ChurnScenario.Threads());
                if (Stopwatch.GetElapsedTime(started) > shape.MeanStay)
                {
                    counts.Add(FanoutSides.Ours.Subscribers(services));
                }

                if (atRamp is null && Stopwatch.GetElapsedTime(started) >= ramp)
                {
                    atRamp = await clients.CountsAsync();
                    rampEnded = Stopwatch.GetTimestamp();
                }
            }
        }

        var churned = await clients.StopChurnAsync();
        var elapsed = Stopwatch.GetElapsedTime(started);
        var steadyWindow = atRamp is null ? elapsed : Stopwatch.GetElapsedTime(rampEnded);
        var fromRamp = atRamp ?? new ChurnCounts(0, 0, 0, 0);
        var steady = new ChurnCounts(churned.Connects - fromRamp.Connects, churned.Leaves - fromRamp.Leaves, churned.Failures - fromRamp.Failures, churned.Unanswered - fromRamp.Unanswered);
        var serverCpu = ServerSideProbe.CpuTime() - cpu;
        var clientCpuUsed = clients.CpuTime - clientCpu;
        var events = sequence - firstSequence;

        // The stayers may still be reading the last event.
        var check = await clients.CheckAsync(events);
        var polling = Stopwatch.GetTimestamp();
        while (check.Missing > 0 && Stopwatch.GetElapsedTime(polling) < s_settle)
        {
            await Task.Delay(200);
            check = await clients.CheckAsync(events);
        }

        if (counts.Count == 0)
        {
            counts.Add(FanoutSides.Ours.Subscribers(services));
        }

        return new ChurnFigures(elapsed, churned, steadyWindow, steady, events, check, serverCpu, clientCpuUsed, counts.Min(), counts.Average(), counts.Max(), peakThreads);
    }
}

/// <summary>The load of the churn run: stayers, churners, connects a second, and the mean stay that follows.</summary>
internal sealed record ChurnShape(int Stayers, int Churners, int Rate)
{
    /// <summary>Gets how long a churner stays on average, so that <see cref="Churners"/> stay open at <see cref="Rate"/> connects a second.</summary>
    public TimeSpan MeanStay => TimeSpan.FromSeconds((double)Churners / Rate);
}
