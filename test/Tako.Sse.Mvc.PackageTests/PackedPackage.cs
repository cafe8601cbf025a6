using System.IO.Compression;

namespace Tako.Sse.Mvc.PackageTests;

/// <summary>
/// The library and the Redis package packed once, as a user would (<c>dotnet pack -c Release</c>), into a temp
/// folder outside the repository, with a version no earlier run used, so that no NuGet cache can hand back an
/// older copy.
/// </summary>
public sealed class PackedPackage : IAsyncLifetime
{
    public const string Id = "Tako.Sse.Mvc";

    public const string RedisId = "Tako.Sse.Mvc.StackExchangeRedis";

    /// <summary>Every package this repository ships.</summary>
    public static readonly string[] Ids = [Id, RedisId];

    public string Version { get; } = $"0.1.0-test.g{Guid.NewGuid():N}";

    /// <summary>The folder that holds the .nupkg and .snupkg: a local package source.</summary>
    public string Folder { get; private set; } = "";

    /// <summary>Everything <c>dotnet pack</c> printed.</summary>
    public string PackOutput { get; private set; } = "";

    public string NupkgPath => NupkgPathOf(Id);

    public string SnupkgPath => SnupkgPathOf(Id);

    public string NupkgPathOf(string id) => Path.Combine(Folder, $"{id}.{Version}.nupkg");

    public string SnupkgPathOf(string id) => Path.Combine(Folder, $"{id}.{Version}.snupkg");

    public async Task InitializeAsync()
    {
        Folder = Directory.CreateTempSubdirectory("tako-packages-").FullName;
        foreach (var id in Ids)
        {
            PackOutput += await DotnetCli.RunOrFailAsync(
                Repository.Root,
                environment: null,
                "pack", Repository.ProjectOf(id), "-c", "Release", "-o", Folder, $"-p:PackageVersion={Version}");
        }
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
