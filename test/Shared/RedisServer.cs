using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Tako.Sse.Mvc.Testing;

/// <summary>
/// A redis-server of the test's own: a free loopback port, no persistence (<c>--save "" --appendonly no</c>), a
/// temporary directory, stopped and deleted at the end. It can be stopped and started again on the same port,
/// and paused with SIGSTOP, to prove the outage behavior. The benchmarks link this file too; the tests' start,
/// which skips a test when redis-server is not installed, is in RedisServer.Skip.cs.
/// </summary>
public sealed partial class RedisServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly string[] _extraArguments;
    private Process? _process;
    private ConnectionMultiplexer? _admin;

    private RedisServer(string executable, int port, string[] extraArguments)
    {
        Executable = executable;
        Port = port;
        _extraArguments = extraArguments;
        _directory = Directory.CreateTempSubdirectory("tako-redis-").FullName;
    }

    public string Executable { get; }

    public int Port { get; }

    public string EndPoint => $"127.0.0.1:{Port}";

    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("redis-server is not running.");

    /// <summary>Starts a server on a free loopback port, or returns null when redis-server is not installed.</summary>
    /// <param name="extraArguments">More redis-server arguments, such as <c>--stream-node-max-entries 1</c>.</param>
    public static async Task<RedisServer?> TryStartAsync(params string[] extraArguments)
    {
        if (Find() is not { } executable)
        {
            return null;
        }

        var server = new RedisServer(executable, FreePort(), extraArguments);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>A configuration for a test's multiplexer: short timeouts and quick reconnects, so outages are short.</summary>
    public ConfigurationOptions Configuration(string? user = null, string? password = null)
    {
        var options = new ConfigurationOptions
        {
            EndPoints = { EndPoint },
            AbortOnConnectFail = false,
            ConnectTimeout = 2000,
            SyncTimeout = 1500,
            AsyncTimeout = 1500,
            ConnectRetry = 1,
            KeepAlive = 1,
            ReconnectRetryPolicy = new LinearRetry(100),
            User = user,
            Password = password,
        };
        return options;
    }

    /// <summary>A connection of the test's own, for inspecting and disturbing the server (admin commands on).</summary>
    public async Task<IDatabase> AdminAsync()
    {
        if (_admin is null)
        {
            var options = Configuration();
            options.AllowAdmin = true;
            _admin = await ConnectionMultiplexer.ConnectAsync(options);
        }

        return _admin.GetDatabase();
    }

    public async Task<RedisResult> ExecuteAsync(string command, params object[] arguments) =>
        await (await AdminAsync()).ExecuteAsync(command, arguments);

    /// <summary>Starts (again, after <see cref="StopAsync"/>) on the same port, and waits until it answers PING.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--dir", _directory, "--daemonize", "no", .. _extraArguments])
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await AnswersAsync())
        {
            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                throw new InvalidOperationException($"redis-server on port {Port} did not start.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Kills the server (no persistence: everything it held is gone).</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process = null;
    }

    /// <summary>Freezes the process (SIGSTOP): connections stay open, nothing answers.</summary>
    public void Pause() => Signal("STOP");

    /// <summary>Thaws a paused process (SIGCONT).</summary>
    public void Resume() => Signal("CONT");

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            Resume();
        }

        _admin?.Dispose();
        await StopAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }

    private static string? Find()
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin").Append("/usr/local/bin"))
        {
            var candidate = Path.Combine(directory, "redis-server");
            if (directory.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // The kill command, not a P/Invoke: .NET has no API for SIGSTOP, and the command needs no unsafe code.
    private void Signal(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!;
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {ProcessId} failed with exit code {kill.ExitCode}.");
        }
    }

    private async Task<bool> AnswersAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return read >= 5 && buffer[0] == '+';
        }
        catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }
}
