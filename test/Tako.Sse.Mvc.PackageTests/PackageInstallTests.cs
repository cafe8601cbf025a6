using System.Net.ServerSentEvents;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using Tako.Sse.Mvc.Testing;

namespace Tako.Sse.Mvc.PackageTests;

/// <summary>
/// A user's first hour: a fresh <c>dotnet new web</c> project outside the repository installs a package from a
/// local folder as the docs say, takes the docs' code as pasted, builds, runs, and serves an event.
/// </summary>
[Collection(PackageCollection.Name)]
public class PackageInstallTests(PackedPackage package)
{
    private const string ScaleOutPage = "docs/scale-out.md";

    // What the docs write for the packed folder: in the clone (dotnet pack -o), and from the user's project.
    private const string DocsSourceFolder = "/path/to/Tako.Sse.Mvc/artifacts/packages";

    private static readonly string[] s_docsPackageFolders = ["artifacts/packages", DocsSourceFolder];

    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task FreshWebProject_QuickStartWithPackageFromFolder_ServesTheFirstTick()
    {
        var root = Directory.CreateTempSubdirectory("tako-first-hour-").FullName;
        try
        {
            // Only the folder as a source, and a packages cache of its own: nothing can come from elsewhere.
            var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(root, "nuget-cache") };
            WriteNuGetConfig(root, source: package.Folder);
            var app = Path.Combine(root, "FirstHour");
            await DotnetCli.RunOrFailAsync(root, environment, "new", "web", "-o", app, "--no-restore");
            await DotnetCli.RunOrFailAsync(app, environment, "add", "package", PackedPackage.Id, "--prerelease", "--source", package.Folder);
            ReferencedVersion(app, PackedPackage.Id).Should().Be(package.Version);

            var blocks = MarkdownCode.CompleteBlocks(Repository.PackageReadme);
            File.WriteAllText(Path.Combine(app, "Program.cs"), blocks.Single(MarkdownCode.IsProgram));
            Directory.CreateDirectory(Path.Combine(app, "Controllers"));
            File.WriteAllText(Path.Combine(app, "Controllers", "TicksController.cs"), blocks.Single(b => !MarkdownCode.IsProgram(b)));
            await DotnetCli.RunOrFailAsync(app, environment, "build", "-c", "Release");

            await using var server = RunningApp.Start(app, environment, Path.Combine(app, "bin", "Release", "net10.0", "FirstHour.dll"));
            try
            {
                using var timeout = new CancellationTokenSource(s_deadline);
                using var client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
                using var response = await server.OpenStreamAsync(client, "/ticks", timeout.Token);
                var first = await FirstEventAsync(response, _ => true, timeout.Token);

                (first.EventType, first.Data, first.EventId).Should().Be(("tick", "tick 1", "1"));
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                throw new InvalidOperationException($"The quick start app did not serve its first event. It printed:\n{server.Output}", exception);
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [SkippableFact]
    public async Task FreshWebProject_ScaleOutInstallStepsAsWritten_ServesAChannelEventThroughRedis()
    {
        await using var redis = await RedisServer.StartAsync();
        var root = Directory.CreateTempSubdirectory("tako-scale-out-").FullName;
        try
        {
            // A packages cache of its own, and for nuget.org (StackExchange.Redis and what it needs) the machine's
            // cache as a source, without any copy of ours in it: no network, and nothing of ours from an earlier run.
            var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(root, "nuget-cache") };
            WriteNuGetConfig(root, source: NuGetOrgStandIn(root));
            var folder = Path.Combine(root, "packages");
            var app = Path.Combine(root, "ScaleOut");
            await DotnetCli.RunOrFailAsync(root, environment, "new", "web", "-o", app, "--no-restore");

            // The page's steps, block by block: its `dotnet pack` commands in the clone (this repository, with its
            // own restore and cache), its nuget.config and its `dotnet add package` in the user's project.
            var done = new List<string>();
            foreach (var (language, lines) in MarkdownCode.SectionBlocks(Path.Combine(Repository.Root, ScaleOutPage), "## Setup"))
            {
                if (language == "xml")
                {
                    var config = string.Join('\n', lines);
                    config.Should().Contain(DocsSourceFolder, "the page's nuget.config names the packed folder");
                    File.WriteAllText(Path.Combine(app, "nuget.config"), config.Replace(DocsSourceFolder, folder, StringComparison.Ordinal));
                    done.Add("nuget.config");
                }
                else if (language == "sh")
                {
                    foreach (var command in lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
                    {
                        var arguments = ArgumentsOf(command, folder);
                        var (directory, variables) = arguments[0] == "pack" ? (Repository.Root, null) : (app, environment);
                        await DotnetCli.RunOrFailAsync(directory, variables, arguments);
                        done.Add(arguments[0]);
                    }
                }
            }

            done.Should().Equal(["pack", "pack", "nuget.config", "add"], "the page packs both packages, makes the folder a source, then adds the Redis package");
            Directory.EnumerateFiles(folder, "*.nupkg").Select(PackedPackage.ReadIdentity).Should().BeEquivalentTo(
                PackedPackage.Ids.Select(id => (id, package.Version)), "the page's two pack commands make both packages, of one version: the one the build stamps");
            ReferencedVersion(app, PackedPackage.RedisId).Should().Be(package.Version);

            var blocks = MarkdownCode.CompleteBlocks(Path.Combine(Repository.Root, ScaleOutPage));
            File.WriteAllText(Path.Combine(app, "Program.cs"), blocks.Single(MarkdownCode.IsProgram));
            await DotnetCli.RunOrFailAsync(app, environment, "build", "-c", "Release");

            await using var server = RunningApp.Start(app, environment, Path.Combine(app, "bin", "Release", "net10.0", "ScaleOut.dll"), $"--ConnectionStrings:Redis={redis.EndPoint}");
            try
            {
                using var timeout = new CancellationTokenSource(s_deadline);
                using var client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
                using var stream = await server.OpenStreamAsync(client, "/orders/events", timeout.Token);

                // Subscribed once the headers are here (the page's promise): a publication now reaches the stream.
                using var published = await client.PostAsync(new Uri(server.BaseAddress, "/orders/7/shipped"), content: null, timeout.Token);
                published.EnsureSuccessStatusCode();
                var eventId = (await published.Content.ReadFromJsonAsync<JsonElement>(timeout.Token)).GetProperty("eventId").GetString();
                var order = await FirstEventAsync(stream, e => e.EventType == "order", timeout.Token);

                order.Data.Should().Be("order 7 shipped");
                order.EventId.Should().MatchRegex("^[0-9]+-[0-9]+$", "the id is the entry's id in the channel's Redis stream").And.Be(eventId);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                throw new InvalidOperationException($"The scale-out app did not serve the channel's event. It printed:\n{server.Output}", exception);
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    // The page's command, split at spaces (it quotes nothing), with only the packages folder replaced.
    private static string[] ArgumentsOf(string command, string folder)
    {
        command.Should().StartWith("dotnet ").And.NotContainAny("\"", "'", "\\", "|", ">", "&", ";", "$");
        var arguments = command.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..].Select(a => s_docsPackageFolders.Contains(a) ? folder : a).ToArray();
        arguments[0].Should().BeOneOf(["pack", "add"], "the install steps pack in the clone and add in the project; anything else needs a place to run");
        return arguments;
    }

    // Only this source: a user's other sources and caches play no part.
    private static void WriteNuGetConfig(string directory, string source) =>
        File.WriteAllText(Path.Combine(directory, "nuget.config"), new XDocument(
            new XElement("configuration",
                new XElement("packageSources", new XElement("clear"), new XElement("add", new XAttribute("key", "only"), new XAttribute("value", source))))).ToString());

    // nuget.org, offline: the machine's packages cache (it holds what this repository restored) is a valid local
    // source; linked id by id, leaving out any package of ours an earlier install put there.
    private static string NuGetOrgStandIn(string root)
    {
        var machine = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } packages
            ? packages
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var standIn = Directory.CreateDirectory(Path.Combine(root, "nuget-org")).FullName;
        foreach (var id in Directory.EnumerateDirectories(machine).Where(d => !Path.GetFileName(d).StartsWith("tako.", StringComparison.OrdinalIgnoreCase)))
        {
            Directory.CreateSymbolicLink(Path.Combine(standIn, Path.GetFileName(id)), id);
        }

        return standIn;
    }

    // The version `dotnet add package` wrote into the project.
    private static string? ReferencedVersion(string app, string id) =>
        XDocument.Load(Directory.EnumerateFiles(app, "*.csproj").Single()).Descendants("PackageReference")
            .SingleOrDefault(r => r.Attribute("Include")?.Value == id)?.Attribute("Version")?.Value;

    private static async Task<SseItem<string>> FirstEventAsync(HttpResponseMessage response, Func<SseItem<string>, bool> wanted, CancellationToken cancellationToken)
    {
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken))
        {
            if (wanted(item))
            {
                return item;
            }
        }

        throw new InvalidOperationException("The stream ended before the event.");
    }
}
