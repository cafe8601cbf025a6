namespace Tako.Sse.Mvc.IntegrationTests.Benchmarks;

/// <summary>
/// The fan-out benchmark as a user runs it, shrunk to 50 subscribers and 1 s windows: every side (ours, the
/// naive fan-out, SignalR, the bare ring) must set up and deliver, so a harness that cannot run is caught here
/// and not halfway through a long run. Its figures are not checked: speed is for the benchmark itself.
/// </summary>
[Collection(BenchmarkHarnessCollection.Name)]
public sealed class FanoutHarnessTests
{
    [Fact]
    public async Task Every_side_of_a_tiny_fanout_run_sets_up_and_delivers()
    {
        var (exitCode, output) = await BenchmarkHarness.RunAsync(
            "e2e", "--only", "fanout", "--fanout-subscribers", "50", "--fanout-duration", "1s", "--fanout-latency-events", "10");

        // 0: every target met, 1: a target missed (a speed figure, not this test's business); 3: a side could
        // not set up; anything else: the run itself fell over.
        exitCode.Should().BeOneOf([0, 1], $"the fan-out harness must run every side; it printed:\n{output}");
        output.Should().NotContain("set-up failed");
        var rate = TableRow(output, "| delivered events/s, published as fast as delivered");
        rate.Should().HaveCount(4, "ours, naive, SignalR and the bare ring each have a rate");
        rate.Should().OnlyContain(cell => cell.EndsWith(" /s", StringComparison.Ordinal) && cell != "0 /s", output);
        TableRow(output, "| deliveries missing to the subscribers that read").Should().Equal(["none", "none", "none", "none"], output);

        // The multi-channel table, printed after the main one: 8 channels per subscriber, then one channel.
        var multi = TableRow(output, "| delivered events/s, published as fast as delivered", last: true);
        multi[..2].Should().OnlyContain(cell => cell.EndsWith(" /s", StringComparison.Ordinal) && cell != "0 /s", output);
        TableRow(output, "| deliveries missing to the subscribers that read", last: true)[..2].Should().Equal(["none", "none"], output);
    }

    // The four side columns of the table row that starts with the figure: in the main table, or in the last one.
    private static string[] TableRow(string output, string figure, bool last = false) => BenchmarkHarness.Row(output, figure, last)[..4];
}
