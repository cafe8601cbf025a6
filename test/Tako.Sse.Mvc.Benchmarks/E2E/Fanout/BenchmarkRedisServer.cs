using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>A redis-server of the run's own on a free loopback port, without persistence; killed at the end.</summary>
internal sealed class BenchmarkRedisServer : IDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private BenchmarkRedisServer(Process process, int port, string directory)
    {
        _process = process;
        Port = port;
        _directory = directory;
    }

    public int Port { get; }

    public string EndPoint => $"127.0.0.1:{Port}";

    /// <summary>Starts one, or returns null when redis-server is not installed.</summary>
    public static async Task<BenchmarkRedisServer?> StartAsync()
    {
        var executable = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);
        if (executable is null)
        {
            return null;
        }

        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var directory = Directory.CreateTempSubdirectory("tako-bench-redis-").FullName;
        var info = new ProcessStartInfo(executable) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in (string[])["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory])
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        var server = new BenchmarkRedisServer(process, port, directory);
        if (!await ServerSideProbe.WaitUntilAsync(server.Answers, TimeSpan.FromSeconds(20)))
        {
            server.Dispose();
            throw new InvalidOperationException("redis-server did not answer.");
        }

        return server;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private bool Answers()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
