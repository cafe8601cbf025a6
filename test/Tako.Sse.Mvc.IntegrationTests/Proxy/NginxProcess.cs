using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Tako.Sse.Mvc.IntegrationTests.Proxy;

/// <summary>How nginx talks to the app: its default, or the usual recipe for Server-Sent Events.</summary>
public enum NginxUpstream
{
    /// <summary>nginx's defaults: HTTP/1.0 to the upstream, <c>Connection: close</c>.</summary>
    Http10Default,

    /// <summary><c>proxy_http_version 1.1</c> and an empty <c>Connection</c> header, as most SSE guides advise.</summary>
    Http11Recipe,
}

/// <summary>
/// Debian's nginx in front of an app: one foreground process (<c>daemon off</c>, <c>master_process off</c>) on a
/// free loopback port, with its own configuration, logs and temp paths in a temp directory, removed on dispose.
/// Proxy buffering stays at nginx's default (on); <c>proxy_read_timeout</c> is short, so a silent stream dies.
/// </summary>
public sealed class NginxProcess : IDisposable
{
    /// <summary>The read timeout of the proxy: a stream silent for longer is closed by nginx.</summary>
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(3);

    private readonly Process _process;
    private readonly string _directory;

    private NginxProcess(Process process, string directory, Uri baseAddress)
    {
        _process = process;
        _directory = directory;
        BaseAddress = baseAddress;
    }

    /// <summary>Debian's nginx, unless <c>TAKO_NGINX</c> names another nginx executable.</summary>
    public static string ExecutablePath { get; } = Environment.GetEnvironmentVariable("TAKO_NGINX") is { Length: > 0 } path ? path : "/usr/sbin/nginx";

    public Uri BaseAddress { get; }

    /// <summary>The <c>location</c> block the tests run through, as docs/proxies.md shows it.</summary>
    public static string LocationBlock(Uri upstream, NginxUpstream mode) =>
        $$"""
                location / {
                    proxy_pass {{upstream.GetLeftPart(UriPartial.Authority)}};
                    proxy_read_timeout {{ReadTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}}s;
        {{(mode == NginxUpstream.Http11Recipe ? "            proxy_http_version 1.1;\n            proxy_set_header Connection \"\";\n" : "")}}        }
        """;

    public static async Task<NginxProcess> StartAsync(Uri upstream, NginxUpstream mode)
    {
        // A port picked free can be taken before nginx binds it; another try picks another port.
        for (var attempt = 1; ; attempt++)
        {
            var directory = Directory.CreateTempSubdirectory("tako-nginx-").FullName;
            var port = FreeLoopbackPort();
            File.WriteAllText(Path.Combine(directory, "nginx.conf"), Configuration(directory, port, upstream, mode));
            var process = Process.Start(new ProcessStartInfo(ExecutablePath)
            {
                ArgumentList = { "-p", directory, "-c", Path.Combine(directory, "nginx.conf"), "-e", Path.Combine(directory, "error.log") },
                UseShellExecute = false,
            })!;
            var nginx = new NginxProcess(process, directory, new Uri($"http://127.0.0.1:{port}"));
            if (await nginx.WaitUntilListeningAsync())
            {
                return nginx;
            }

            var log = nginx.ErrorLog();
            nginx.Dispose();
            if (attempt == 3 || !log.Contains("Address already in use", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"nginx did not start; its error log:\n{log}");
            }
        }
    }

    public string ErrorLog()
    {
        var path = Path.Combine(_directory, "error.log");
        return File.Exists(path) ? File.ReadAllText(path) : "(none)";
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }
        }
        finally
        {
            _process.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static string Configuration(string directory, int port, Uri upstream, NginxUpstream mode) =>
        $$"""
        daemon off;
        master_process off;
        worker_processes 1;
        pid {{directory}}/nginx.pid;
        error_log {{directory}}/error.log info;
        events { worker_connections 64; }
        http {
            access_log off;
            client_body_temp_path {{directory}}/client_body;
            proxy_temp_path {{directory}}/proxy;
            fastcgi_temp_path {{directory}}/fastcgi;
            uwsgi_temp_path {{directory}}/uwsgi;
            scgi_temp_path {{directory}}/scgi;
            server {
                listen 127.0.0.1:{{port}};
        {{LocationBlock(upstream, mode)}}
            }
        }
        """;

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<bool> WaitUntilListeningAsync()
    {
        var deadline = DateTime.UtcNow + Poll.Deadline;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, BaseAddress.Port);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(20);
            }
        }

        return false;
    }
}
