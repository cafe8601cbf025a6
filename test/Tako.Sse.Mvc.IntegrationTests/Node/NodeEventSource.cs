using System.Diagnostics;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Node;

/// <summary>
/// Runs <c>eventsource-client.mjs</c> with npm's <c>eventsource</c> (installed once from the pinned lock file into
/// <c>artifacts/node-eventsource</c>) and returns what it printed.
/// </summary>
internal static class NodeEventSource
{
    // Set by .ci/run: there a missing Node.js fails the test instead of skipping it.
    private const string RequireNodeVariable = "TAKO_REQUIRE_NODE";

    private static readonly SemaphoreSlim s_install = new(1, 1);

    public static string? FindNode() =>
        new[] { "/usr/bin/node", "/usr/local/bin/node" }.FirstOrDefault(File.Exists);

    public static void SkipUnlessAvailable()
    {
        var missing = FindNode() is null || !File.Exists("/usr/bin/npm") && !File.Exists("/usr/local/bin/npm");
        if (missing && Environment.GetEnvironmentVariable(RequireNodeVariable) == "1")
        {
            throw new InvalidOperationException("Node.js and npm are required (TAKO_REQUIRE_NODE=1): apt-get install nodejs npm.");
        }

        Skip.If(missing, "Node.js and npm are not installed (apt-get install nodejs npm).");
    }

    public static async Task<string[]> RunAsync(Uri url)
    {
        var directory = await InstallAsync();
        var (exit, output) = await RunProcessAsync(FindNode()!, directory, Path.Combine(directory, "eventsource-client.mjs"), url.ToString());
        exit.Should().Be(0, "the client prints what happened and exits 0 after its second message:\n" + output);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static async Task<string> InstallAsync()
    {
        var source = Path.Combine(RepositoryPaths.Root, "test", "Tako.Sse.Mvc.IntegrationTests", "Node");
        var directory = Path.Combine(RepositoryPaths.Root, "artifacts", "node-eventsource");
        await s_install.WaitAsync();
        try
        {
            Directory.CreateDirectory(directory);
            foreach (var file in new[] { "package.json", "package-lock.json", "eventsource-client.mjs" })
            {
                File.Copy(Path.Combine(source, file), Path.Combine(directory, file), overwrite: true);
            }

            if (!Directory.Exists(Path.Combine(directory, "node_modules", "eventsource")))
            {
                var npm = File.Exists("/usr/bin/npm") ? "/usr/bin/npm" : "/usr/local/bin/npm";
                var (exit, output) = await RunProcessAsync(npm, directory, "ci", "--no-audit", "--no-fund");
                exit.Should().Be(0, "npm ci installs the pinned eventsource:\n" + output);
            }

            return directory;
        }
        finally
        {
            s_install.Release();
        }
    }

    private static async Task<(int Exit, string Output)> RunProcessAsync(string file, string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
