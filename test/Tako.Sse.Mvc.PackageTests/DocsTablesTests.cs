namespace Tako.Sse.Mvc.PackageTests;

/// <summary>
/// Markdown tables in the docs are whole: a blank line between two rows ends the table there, and the rows
/// after it render as a paragraph of pipes (how the logging table broke twice).
/// </summary>
public class DocsTablesTests
{
    public static TheoryData<string> Pages()
    {
        var data = new TheoryData<string>();
        foreach (var page in Directory.GetFiles(Path.Combine(Repository.Root, "docs"), "*.md")
            .Concat(Directory.GetFiles(Path.Combine(Repository.Root, "src"), "README.md", SearchOption.AllDirectories))
            .Append(Path.Combine(Repository.Root, "README.md"))
            .Append(Path.Combine(Repository.Root, "CONTRIBUTING.md"))
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            data.Add(Path.GetRelativePath(Repository.Root, page));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Tables_OfPage_AreNotSplitByBlankLines(string page)
    {
        var lines = File.ReadAllLines(Path.Combine(Repository.Root, page));
        var broken = new List<string>();
        var inFence = false;
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
            }

            // A row right after a blank line starts a table only if a header separator follows it.
            if (!inFence && i >= 2 && IsRow(lines[i]) && lines[i - 1].Length == 0 && IsRow(lines[i - 2])
                && (i + 1 >= lines.Length || !lines[i + 1].StartsWith("|-", StringComparison.Ordinal)))
            {
                broken.Add($"line {i + 1}: {lines[i][..Math.Min(60, lines[i].Length)]}");
            }
        }

        broken.Should().BeEmpty("a blank line between two rows splits a table");
    }

    private static bool IsRow(string line) => line.StartsWith('|') && line.TrimEnd().EndsWith('|');
}
