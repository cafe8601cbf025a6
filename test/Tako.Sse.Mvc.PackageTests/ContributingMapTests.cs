using System.Text.RegularExpressions;

namespace Tako.Sse.Mvc.PackageTests;

/// <summary>The map of the code in CONTRIBUTING.md names files that exist, so a newcomer can follow it in the editor.</summary>
public partial class ContributingMapTests
{
    [Fact]
    public void Map_EveryFileItNames_Exists()
    {
        var text = File.ReadAllText(Path.Combine(Repository.Root, "CONTRIBUTING.md"));
        var start = text.IndexOf("## A map of the code", StringComparison.Ordinal);
        start.Should().BeGreaterThanOrEqualTo(0, "CONTRIBUTING.md has a map of the code");
        var end = text.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var map = text[start..(end < 0 ? text.Length : end)];

        var files = FileName().Matches(map).Select(m => m.Groups[1].Value).Distinct().ToList();

        files.Should().HaveCountGreaterThan(20);
        string[] roots = [Path.Combine(Repository.Root, "src", "Tako.Sse.Mvc"), Path.Combine(Repository.Root, "src", "Tako.Sse.Mvc.StackExchangeRedis", "Internal")];
        files.Where(f => !roots.Any(r => File.Exists(Path.Combine(r, f)))).Should().BeEmpty("every file the map names is in the tree");
    }

    [GeneratedRegex(@"`([A-Za-z/]+\.cs)`")]
    private static partial Regex FileName();
}
