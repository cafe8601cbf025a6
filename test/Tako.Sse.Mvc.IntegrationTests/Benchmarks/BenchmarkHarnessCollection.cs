namespace Tako.Sse.Mvc.IntegrationTests.Benchmarks;

/// <summary>Runs alone: the harness loads both cores for half a minute, which would slow the timing of other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BenchmarkHarnessCollection
{
    public const string Name = "benchmark harness";
}
