namespace Tako.Sse.Mvc.IntegrationTests.Benchmarks;

/// <summary>
/// The churn benchmark as a user runs it, shrunk to 200 subscribers (40 stay), 100 connects a second and a
/// 5 s window: it must set up, churn, and find that every stayer got every event once and that the server's
/// count went back to 0, so a harness that cannot run is caught here. The heap and thread figures are not
/// checked: at this size a few objects are 10%, and they are for the benchmark itself.
/// </summary>
[Collection(BenchmarkHarnessCollection.Name)]
public sealed class ChurnHarnessTests
{
    [Fact]
    public async Task A_tiny_churn_run_churns_and_every_stayer_gets_every_event()
    {
        var (exitCode, output) = await BenchmarkHarness.RunAsync(
            "e2e", "--only", "churn", "--churn-subscribers", "200", "--churn-rate", "100", "--churn-duration", "5s", "--churn-warmup", "1s");

        // 0: every target met, 1: a target missed (the rows below say whether it is one this test checks);
        // 3: the run could not set up; anything else: it fell over.
        exitCode.Should().BeOneOf([0, 1], $"the churn harness must run; it printed:\n{output}");
        Row(output, "| connects per second").Should().MatchRegex(@"^[1-9][0-9,]* /s$", output);
        Row(output, "| leaves per second").Should().MatchRegex(@"^[1-9][0-9,]* /s$", output);
        Row(output, "| events published").Should().NotBe("0", output);
        Row(output, "| stayers that missed an event").Should().StartWith("0 of 40", output);
        Row(output, "| stayers that got an event twice").Should().StartWith("0 of 40", output);
        Row(output, "| server subscriber count at the end").Should().StartWith("0 ", output);
    }

    // The value of the churn table's row that starts with the figure.
    private static string Row(string output, string figure) => BenchmarkHarness.Row(output, figure)[0];
}
