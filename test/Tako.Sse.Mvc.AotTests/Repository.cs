namespace Tako.Sse.Mvc.AotTests;

/// <summary>The repository's root, found from the test assembly's location.</summary>
public static class Repository
{
    private static readonly Lazy<string> s_root = new(() =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Tako.Sse.Mvc.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Tako.Sse.Mvc.sln above {AppContext.BaseDirectory}.");
    });

    public static string Root => s_root.Value;
}
