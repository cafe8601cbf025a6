using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tako.Sse.Mvc.PackageTests;

/// <summary>
/// A user's freshly built app, run as <c>dotnet App.dll</c> on a free loopback port, with everything it prints
/// kept for the failure message. Disposing it kills it.
/// </summary>
public sealed class RunningApp : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private RunningApp(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>Everything the app printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="dll"/> with <c>--urls</c> on a free loopback port, then the arguments given.</summary>
    public static RunningApp Start(string directory, IDictionary<string, string> environment, string dll, params string[] arguments)
    {
        var port = FreeLoopbackPort();
        var process = Process.Start(DotnetCli.CreateStartInfo(directory, environment, [dll, "--urls", $"http://127.0.0.1:{port}", .. arguments]))!;
        var app = new RunningApp(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => app.Append(e.Data);
        process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return app;
    }

    /// <summary>
    /// A GET of an event stream, its headers read (200, <c>text/event-stream</c>); tried again while the app is
    /// still starting (nothing listening yet), until <paramref name="cancellationToken"/> gives up.
    /// </summary>
    public async Task<HttpResponseMessage> OpenStreamAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            _process.HasExited.Should().BeFalse("the app must keep running");
            try
            {
                var response = await client.GetAsync(new Uri(BaseAddress, path), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                response.EnsureSuccessStatusCode();
                response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
                return response;
            }
            catch (HttpRequestException exception) when (exception.InnerException is SocketException)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
