using System.Diagnostics;
using System.Net;
using System.Net.ServerSentEvents;
using System.Net.Sockets;
using System.Text;

namespace Tako.Sse.Mvc.PackageTests;

/// <summary>
/// A user's first hour: a fresh <c>dotnet new web</c> project outside the repository installs the package from a
/// local folder, takes the package README's quick start as pasted, builds, runs, and serves an event.
/// </summary>
[Collection(PackageCollection.Name)]
public class PackageInstallTests(PackedPackage package)
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task FreshWebProject_QuickStartWithPackageFromFolder_ServesTheFirstTick()
    {
        var root = Directory.CreateTempSubdirectory("tako-first-hour-").FullName;
        try
        {
            // Only the folder as a source, and a packages cache of its own: nothing can come from elsewhere.
            var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(root, "nuget-cache") };
            File.WriteAllText(Path.Combine(root, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="local" value="{package.Folder}" />
                  </packageSources>
                </configuration>
                """);
            var app = Path.Combine(root, "FirstHour");
            await DotnetCli.RunOrFailAsync(root, environment, "new", "web", "-o", app, "--no-restore");
            // As the README says: --prerelease takes the newest in the folder, the one just packed.
            await DotnetCli.RunOrFailAsync(app, environment, "add", "package", PackedPackage.Id, "--prerelease", "--source", package.Folder);
            File.ReadAllText(Path.Combine(app, "FirstHour.csproj")).Should().Contain($"Version=\"{package.Version}\"");

            var blocks = MarkdownCode.CompleteBlocks(Repository.PackageReadme);
            File.WriteAllText(Path.Combine(app, "Program.cs"), blocks.Single(MarkdownCode.IsProgram));
            Directory.CreateDirectory(Path.Combine(app, "Controllers"));
            File.WriteAllText(Path.Combine(app, "Controllers", "TicksController.cs"), blocks.Single(b => !MarkdownCode.IsProgram(b)));
            await DotnetCli.RunOrFailAsync(app, environment, "build", "-c", "Release");

            var port = FreeLoopbackPort();
            var dll = Path.Combine(app, "bin", "Release", "net10.0", "FirstHour.dll");
            using var server = Process.Start(DotnetCli.CreateStartInfo(app, environment, dll, "--urls", $"http://127.0.0.1:{port}"))!;
            var serverOutput = new StringBuilder();
            server.OutputDataReceived += (_, e) => { lock (serverOutput) { serverOutput.AppendLine(e.Data); } };
            server.ErrorDataReceived += (_, e) => { lock (serverOutput) { serverOutput.AppendLine(e.Data); } };
            server.BeginOutputReadLine();
            server.BeginErrorReadLine();
            try
            {
                var first = await ReadFirstEventAsync(new Uri($"http://127.0.0.1:{port}/ticks"), server);

                (first.EventType, first.Data, first.EventId).Should().Be(("tick", "tick 1", "1"));
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                lock (serverOutput)
                {
                    throw new InvalidOperationException($"The quick start app did not serve its first event. It printed:\n{serverOutput}", exception);
                }
            }
            finally
            {
                server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync();
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<SseItem<string>> ReadFirstEventAsync(Uri ticks, Process server)
    {
        using var timeout = new CancellationTokenSource(s_deadline);
        using var client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        while (true)
        {
            server.HasExited.Should().BeFalse("the app must keep running");
            try
            {
                using var response = await client.GetAsync(ticks, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                response.EnsureSuccessStatusCode();
                response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
                await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
                await foreach (var item in SseParser.Create(body).EnumerateAsync(timeout.Token))
                {
                    return item;
                }

                throw new InvalidOperationException("The stream ended before its first event.");
            }
            catch (HttpRequestException exception) when (exception.InnerException is SocketException)
            {
                // Not listening yet: the app is still starting.
                await Task.Delay(100, timeout.Token);
            }
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
