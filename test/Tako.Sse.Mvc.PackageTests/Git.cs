using System.Diagnostics;

namespace Tako.Sse.Mvc.PackageTests;

/// <summary>Runs git in a directory, with a bounded time, as the tests that check the version stamp need it.</summary>
public static class Git
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(2);

    /// <summary>Runs <c>git</c> and returns what it printed on standard output; fails unless it succeeds.</summary>
    public static async Task<string> RunAsync(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Looking, not locking: a status must not take the index lock from a developer's git meanwhile.
        start.Environment["GIT_OPTIONAL_LOCKS"] = "0";
        using var git = Process.Start(start)!;
        var output = git.StandardOutput.ReadToEndAsync();
        var error = git.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(s_timeout);
        try
        {
            await git.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            git.Kill(entireProcessTree: true);
            throw new TimeoutException($"git {string.Join(' ', arguments)} took longer than {s_timeout}.");
        }

        git.ExitCode.Should().Be(0, $"git {string.Join(' ', arguments)} must succeed; it printed:\n{await error}");
        return await output;
    }

    /// <summary>The committer's time of HEAD, in UTC, to the second.</summary>
    public static async Task<DateTime> HeadCommitTimeAsync(string workingDirectory) =>
        DateTime.UnixEpoch.AddSeconds(long.Parse((await RunAsync(workingDirectory, "log", "-1", "--format=%ct")).Trim(), System.Globalization.CultureInfo.InvariantCulture));
}
