using System.Diagnostics;
using System.Text;

using Tako.Sse.Mvc.Testing;

namespace Tako.Sse.Mvc.AotTests;

/// <summary>
/// The AOT app published once for every test (<c>dotnet publish</c> with <c>PublishAot=true</c>, into a temp
/// folder), then started once as a native process on a redis-server of its own. Records what the docs state:
/// the binary's size and the time from process start to listening.
/// </summary>
public sealed class AotPublish : IAsyncLifetime
{
    private static readonly TimeSpan s_publishTimeout = TimeSpan.FromMinutes(8);

    private Process? _app;
    private RedisServer? _redis;

    public string Folder { get; } = Directory.CreateTempSubdirectory("tako-aot-").FullName;

    public string PublishOutput { get; private set; } = "";

    public int PublishExitCode { get; private set; }

    public string Binary => Path.Combine(Folder, "Tako.Sse.Mvc.AotApp");

    public Uri? BaseAddress { get; private set; }

    public TimeSpan StartUp { get; private set; }

    public string? RedisSkipReason { get; private set; }

    public async Task InitializeAsync()
    {
        (PublishExitCode, PublishOutput) = await RunAsync("dotnet", Repository.Root, s_publishTimeout,
            "publish", Path.Combine(Repository.Root, "test", "Tako.Sse.Mvc.AotApp", "Tako.Sse.Mvc.AotApp.csproj"),
            "-c", "Release", "-o", Folder, "-nologo");
        if (PublishExitCode != 0 || !File.Exists(Binary))
        {
            return;
        }

        try
        {
            _redis = await RedisServer.StartAsync();
        }
        catch (SkipException skip)
        {
            RedisSkipReason = skip.Message;
        }

        await StartAppAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is { HasExited: false })
        {
            _app.Kill(entireProcessTree: true);
            await _app.WaitForExitAsync();
        }

        _app?.Dispose();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        Directory.Delete(Folder, recursive: true);
    }

    private async Task StartAppAsync()
    {
        var start = new ProcessStartInfo(Binary) { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--urls=http://127.0.0.1:0");
        if (_redis is not null)
        {
            start.ArgumentList.Add("--Redis=" + _redis.EndPoint);
        }

        var clock = Stopwatch.StartNew();
        _app = Process.Start(start)!;
        _app.ErrorDataReceived += (_, _) => { };
        _app.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await _app.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("listening ", StringComparison.Ordinal))
            {
                StartUp = clock.Elapsed;
                BaseAddress = new Uri(line["listening ".Length..]);
                break;
            }
        }

        BaseAddress.Should().NotBeNull("the native app prints its address once it listens");

        // The rest of its output is drained so that it never blocks on a full pipe.
        _ = Task.Run(async () =>
        {
            while (await _app.StandardOutput.ReadLineAsync() is not null)
            {
            }
        });
    }

    internal static async Task<(int ExitCode, string Output)> RunAsync(string file, string directory, TimeSpan within, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // A publish of its own: no build server shared with the rest of the test run.
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(within);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{file} {string.Join(' ', arguments)} took longer than {within}:\n{output}");
        }

        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
