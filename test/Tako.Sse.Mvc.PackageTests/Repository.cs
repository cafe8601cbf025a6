using System.Reflection;

namespace Tako.Sse.Mvc.PackageTests;

/// <summary>The repository these tests run from, and the configuration they were built in.</summary>
public static class Repository
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The directory that holds <c>Tako.Sse.Mvc.sln</c>.</summary>
    public static string Root => s_root.Value;

    public static string LibraryProject => ProjectOf(PackedPackage.Id);

    /// <summary>The package's own README, packed as the nupkg's readme.</summary>
    public static string PackageReadme => PackageReadmeOf(PackedPackage.Id);

    /// <summary>The project of a package of this repository (each lives in <c>src/&lt;id&gt;/&lt;id&gt;.csproj</c>).</summary>
    public static string ProjectOf(string packageId) => Path.Combine(Root, "src", packageId, packageId + ".csproj");

    /// <summary>The README a package of this repository packs as its nupkg readme.</summary>
    public static string PackageReadmeOf(string packageId) => Path.Combine(Root, "src", packageId, "README.md");

    /// <summary>The configuration of this build (Debug locally, Release in build.ps1): the library's build output in it exists.</summary>
    public static string Configuration { get; } = typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "Configuration").Value!;

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Tako.Sse.Mvc.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Tako.Sse.Mvc.sln above {AppContext.BaseDirectory}: the tests run from the repository's build output.");
    }
}
