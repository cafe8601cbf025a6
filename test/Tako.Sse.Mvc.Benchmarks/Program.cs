using BenchmarkDotNet.Running;

// dotnet run -c Release --project test/Tako.Sse.Mvc.Benchmarks -- [BenchmarkDotNet arguments]
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
