using BenchmarkDotNet.Running;
using Tako.Sse.Mvc.Benchmarks.Channels;
using Tako.Sse.Mvc.Benchmarks.E2E;
using Tako.Sse.Mvc.Benchmarks.E2E.Churn;
using Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

// dotnet run -c Release --project test/Tako.Sse.Mvc.Benchmarks -- e2e [--events N] [--streams N] [--duration 10s] [--only name]
// dotnet run -c Release --project test/Tako.Sse.Mvc.Benchmarks -- channels-memory
// dotnet run -c Release --project test/Tako.Sse.Mvc.Benchmarks -- join-wait [seconds]
// dotnet run -c Release --project test/Tako.Sse.Mvc.Benchmarks -- [BenchmarkDotNet arguments]
if (args.Length > 0 && args[0] == "e2e")
{
    return await E2ERunner.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == ChannelMemoryMeasurement.Verb)
{
    return await ChannelMemoryMeasurement.RunAsync();
}

if (args.Length > 0 && args[0] == JoinWaitMeasurement.Verb)
{
    return await JoinWaitMeasurement.RunAsync(args[1..]);
}

// The idle-stream and keep-alive runs start this same executable as their client, so the server's memory
// and CPU figures do not include the client's.
if (args.Length > 0 && args[0] == E2EClientProcess.Verb)
{
    return await E2EClientProcess.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == FanoutClientProcess.Verb)
{
    return await FanoutClientProcess.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == ChurnClientProcess.Verb)
{
    return await ChurnClientProcess.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
