namespace Tako.Sse.Mvc.IntegrationTests.Infrastructure;

/// <summary>Directories of the repository, found from the test assembly's location.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The directory that holds <c>Tako.Sse.Mvc.sln</c>.</summary>
    public static string Root => s_root.Value;

    /// <summary>The sample app's project directory: its content root, with wwwroot and appsettings.json.</summary>
    public static string SampleDirectory => Path.Combine(Root, "src", "Tako.Sse.Mvc.Sample");

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
