using System.Runtime.InteropServices;

namespace Tako.Sse.Mvc.Benchmarks.E2E;

/// <summary>Prints the machine, the setup and the results as Markdown, ready for docs/performance.md.</summary>
internal static class ReportPrinter
{
    public static void PrintHeader(string commandLine)
    {
        Console.WriteLine("# Tako.Sse.Mvc end-to-end load run");
        Console.WriteLine();
        var arguments = commandLine.Length > 0 ? " " + commandLine : string.Empty;
        Console.WriteLine($"- command: `dotnet run -c Release --project test/Tako.Sse.Mvc.Benchmarks -- e2e{arguments}`");
        Console.WriteLine($"- machine: {CpuModel()}, {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, workstation GC");
        Console.WriteLine($"- load average before the run: {LoadAverage()}; open-file limit: {OpenFileLimit()} (enough for 5,000 streams per process; not raised)");
        Console.WriteLine($"- started: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine("- transport: HTTP/1.1 over 127.0.0.1 only; Kestrel in this process");
        Console.WriteLine("- ours: `SseActionResult` returned by an MVC controller; built-in: `TypedResults.ServerSentEvents` with `SseItem<string>` returned by an MVC controller (same pipeline, same events: event name, id, small JSON data); limit: the same frames pre-encoded, written in 64 KB batches by a bare endpoint");
        Console.WriteLine("- throughput, latency, time to headers: the client shares the server's process (and its 2 cores)");
        Console.WriteLine("- idle streams, keep-alive cost: the client is a child process; memory, CPU and allocations are the server process's only");
        Console.WriteLine();
    }

    /// <summary>Prints the results; the fan-out run names its own second, third (and fourth) columns.</summary>
    public static void PrintTable(IEnumerable<E2EResult> results, string second = "built-in", string third = "limit", string first = "ours", string? fourth = null)
    {
        Console.WriteLine(fourth is null ? $"| figure | {first} | {second} | {third} | ratio | target | met |" : $"| figure | {first} | {second} | {third} | {fourth} | ratio | target | met |");
        Console.WriteLine(fourth is null ? "|---|---:|---:|---:|---|---|---|" : "|---|---:|---:|---:|---:|---|---|---|");
        foreach (var r in results)
        {
            var met = r.Met switch { true => "yes", false => "**no**", null => "-" };
            var extra = fourth is null ? string.Empty : $" {r.Fourth ?? "-"} |";
            Console.WriteLine($"| {r.Figure} | {r.Ours} | {r.Builtin} | {r.Limit} |{extra} {r.Ratio} | {r.Target} | {met} |");
        }

        Console.WriteLine();
    }

    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string OpenFileLimit()
    {
        try
        {
            var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            return line is null ? "unknown" : string.Join('/', line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown CPU" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }
}
