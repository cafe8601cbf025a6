using System.IO.Compression;
using System.Xml.Linq;

namespace Tako.Sse.Mvc.PackageTests;

/// <summary>
/// The library and the Redis package packed once, exactly as a user would (<c>dotnet pack -c Release</c>, one
/// command each, no version given), into a temp folder outside the repository. Their version is the one the
/// build gives them (the stamp of Directory.Build.targets), read back from what was packed; the tests that
/// install them use a NuGet cache of their own, so no earlier copy can stand in for them.
/// </summary>
public sealed class PackedPackage : IAsyncLifetime
{
    public const string Id = "Tako.Sse.Mvc";

    public const string RedisId = "Tako.Sse.Mvc.StackExchangeRedis";

    /// <summary>Every package this repository ships.</summary>
    public static readonly string[] Ids = [Id, RedisId];

    private readonly Dictionary<string, string> _versions = [];

    /// <summary>The version of the core package, as packed (<see cref="VersionOf"/> for the other).</summary>
    public string Version => VersionOf(Id);

    /// <summary>The folder that holds the .nupkg and .snupkg: a local package source.</summary>
    public string Folder { get; private set; } = "";

    /// <summary>Everything <c>dotnet pack</c> printed.</summary>
    public string PackOutput { get; private set; } = "";

    public string NupkgPath => NupkgPathOf(Id);

    public string SnupkgPath => SnupkgPathOf(Id);

    /// <summary>The version a package was packed with, from its nuspec.</summary>
    public string VersionOf(string id) => _versions[id];

    public string NupkgPathOf(string id) => Path.Combine(Folder, $"{id}.{VersionOf(id)}.nupkg");

    public string SnupkgPathOf(string id) => Path.Combine(Folder, $"{id}.{VersionOf(id)}.snupkg");

    public async Task InitializeAsync()
    {
        Folder = Directory.CreateTempSubdirectory("tako-packages-").FullName;
        foreach (var id in Ids)
        {
            PackOutput += await DotnetCli.RunOrFailAsync(
                Repository.Root,
                environment: null,
                "pack", Repository.ProjectOf(id), "-c", "Release", "-o", Folder);
        }

        foreach (var nupkg in Directory.EnumerateFiles(Folder, "*.nupkg"))
        {
            var (id, version) = ReadIdentity(nupkg);
            _versions.Add(id, version);
        }
    }

    /// <summary>The id and version a .nupkg's nuspec declares.</summary>
    public static (string Id, string Version) ReadIdentity(string nupkgPath)
    {
        using var zip = ZipFile.OpenRead(nupkgPath);
        var nuspec = zip.Entries.Single(e => !e.FullName.Contains('/', StringComparison.Ordinal) && e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var stream = nuspec.Open();
        var metadata = XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Value(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;
        return (Value("id"), Value("version"));
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>The bytes of one entry of the .nupkg or .snupkg.</summary>
    public static byte[] ReadEntry(string packagePath, string entryName)
    {
        using var zip = ZipFile.OpenRead(packagePath);
        var entry = zip.GetEntry(entryName) ?? throw new InvalidOperationException($"{packagePath} has no {entryName}; it has: {string.Join(", ", zip.Entries.Select(e => e.FullName))}");
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
