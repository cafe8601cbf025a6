namespace Tako.Sse.Mvc.IntegrationTests.Benchmarks;

/// <summary>
/// The fanout-cluster benchmark as a user runs it, shrunk to 30 channels with one subscriber on each instance and
/// 1 s windows: every side (ours sharded, ours forced to classic pub/sub, SignalR, ours on one standalone Redis) must
/// set up on a cluster of its own and deliver, and each redis-server's CPU must be read, so a harness that cannot run
/// is caught here. Its figures are not checked: speed and CPU per event are for the benchmark itself.
/// </summary>
[Collection(BenchmarkHarnessCollection.Name)]
public sealed class ClusterFanoutHarnessTests
{
    [SkippableFact]
    public async Task Every_side_of_a_tiny_cluster_fanout_run_sets_up_and_delivers()
    {
        var (exitCode, output) = await BenchmarkHarness.RunAsync(
            "e2e", "--only", "fanout-cluster", "--cluster-channels", "30", "--cluster-subscribers", "1", "--fanout-duration", "1s");

        var skipped = output.Contains("fanout-cluster: skipped", StringComparison.Ordinal);
        if (skipped && Environment.GetEnvironmentVariable("TAKO_REQUIRE_REDIS") == "1")
        {
            throw new InvalidOperationException($"redis-server or redis-cli is not installed and TAKO_REQUIRE_REDIS=1 makes that a failure:\n{output}");
        }

        Skip.If(skipped, "redis-server or redis-cli is not installed (Debian: apt-get install redis-server).");

        // 0: every target met, 1: a target missed (not this test's business); 3: a side could not set up;
        // anything else: the run itself fell over.
        exitCode.Should().BeOneOf([0, 1], $"the fanout-cluster harness must run every side; it printed:\n{output}");
        output.Should().NotContain("set-up failed");
        var rate = Row(output, "| delivered events/s, published flat out to all 30 channels");
        rate.Should().HaveCount(4, "ours sharded, ours classic, SignalR and ours standalone each have a rate");
        rate.Should().OnlyContain(cell => cell.EndsWith(" /s", StringComparison.Ordinal) && cell != "0 /s", output);
        Row(output, "| deliveries missing at the end").Should().Equal(["0", "0", "0", "0"], output);

        // The owning master of window (a) spent CPU on every side that publishes through it.
        Row(output, "| (a) the owning master's CPU per 1,000 published events")[..2].Should().OnlyContain(cell => cell.EndsWith(" ms", StringComparison.Ordinal) && cell != "0.000 ms", output);
    }

    // The four side columns of the main table's row that starts with the figure.
    private static string[] Row(string output, string figure) => BenchmarkHarness.Row(output, figure)[..4];
}
