using System.Diagnostics;
using System.Reflection;
using System.Text;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Benchmarks;

/// <summary>
/// Runs the benchmark executable of this configuration (built with the tests, not referenced) as a user runs
/// it, bounded by a timeout, and returns its exit code and everything it printed.
/// </summary>
internal static class BenchmarkHarness
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The cells after the figure of the table row that starts with <paramref name="figure"/>: in the first table
    /// that has one, or in the last (<paramref name="last"/>).
    /// </summary>
    public static string[] Row(string output, string figure, bool last = false)
    {
        var lines = output.Split('\n').Where(l => l.StartsWith(figure, StringComparison.Ordinal)).ToList();
        var line = last ? lines.LastOrDefault() : lines.FirstOrDefault();
        line.Should().NotBeNull($"the table has a row '{figure}'; the run printed:\n{output}");
        return line!.Split('|', StringSplitOptions.TrimEntries)[2..];
    }

    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var configuration = typeof(BenchmarkHarness).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "Configuration").Value!;
        var dll = Path.Combine(RepositoryPaths.Root, "test", "Tako.Sse.Mvc.Benchmarks", "bin", configuration, "net10.0", "Tako.Sse.Mvc.Benchmarks.dll");
        File.Exists(dll).Should().BeTrue($"the benchmarks are built with the tests ({dll})");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(s_timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The benchmark harness took longer than {s_timeout}:\n{output}");
        }

        // WaitForExitAsync has also waited for the redirected output to end.
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }

        void Append(string? line)
        {
            if (line is not null)
            {
                lock (output)
                {
                    output.Append(line).Append('\n');
                }
            }
        }
    }
}
