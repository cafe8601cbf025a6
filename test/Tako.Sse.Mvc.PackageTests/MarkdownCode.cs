using System.Text.RegularExpressions;

namespace Tako.Sse.Mvc.PackageTests;

/// <summary>
/// The complete C# blocks of the docs: a <c>```csharp</c> fence right after a line <c>&lt;!-- compile --&gt;</c>
/// (the convention of CONTRIBUTING.md). All complete blocks of one page build together, as one project.
/// </summary>
public static partial class MarkdownCode
{
    public const string Marker = "<!-- compile -->";

    /// <summary>Every markdown page whose complete blocks are compiled: README.md, every package's README and docs/*.md.</summary>
    public static IEnumerable<string> Pages() =>
        new[] { Path.Combine(Repository.Root, "README.md") }
            .Concat(PackedPackage.Ids.Select(Repository.PackageReadmeOf))
            .Concat(Directory.EnumerateFiles(Path.Combine(Repository.Root, "docs"), "*.md").Order(StringComparer.Ordinal));

    /// <summary>The complete blocks of a page, in order; a marker not followed by a csharp fence is an error.</summary>
    public static List<string> CompleteBlocks(string markdownPath)
    {
        var lines = File.ReadAllLines(markdownPath);
        var blocks = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != Marker)
            {
                continue;
            }

            if (i + 1 >= lines.Length || lines[i + 1].Trim() != "```csharp")
            {
                throw new InvalidOperationException($"{markdownPath}:{i + 1}: {Marker} must be followed at once by a ```csharp block.");
            }

            var end = Array.FindIndex(lines, i + 2, l => l.Trim() == "```");
            if (end < 0)
            {
                throw new InvalidOperationException($"{markdownPath}:{i + 2}: the ```csharp block never ends.");
            }

            blocks.Add(string.Join('\n', lines[(i + 2)..end]) + "\n");
            i = end;
        }

        return blocks;
    }

    /// <summary>
    /// The fenced blocks of one section of a page (from the line <paramref name="heading"/> to the next heading of
    /// its level), in order: each block's language (<c>sh</c>, <c>xml</c>, <c>csharp</c>) and its lines.
    /// </summary>
    public static List<(string Language, List<string> Lines)> SectionBlocks(string markdownPath, string heading)
    {
        var lines = File.ReadAllLines(markdownPath);
        var start = Array.FindIndex(lines, l => l.Trim() == heading);
        if (start < 0)
        {
            throw new InvalidOperationException($"{markdownPath} has no line {heading}.");
        }

        var level = heading[..(heading.IndexOf(' ', StringComparison.Ordinal) + 1)];
        var blocks = new List<(string Language, List<string> Lines)>();
        List<string>? block = null;
        for (var i = start + 1; i < lines.Length && (block is not null || !lines[i].StartsWith(level, StringComparison.Ordinal)); i++)
        {
            var line = lines[i].Trim();
            if (!line.StartsWith("```", StringComparison.Ordinal))
            {
                block?.Add(lines[i]);
            }
            else if (block is null)
            {
                block = [];
                blocks.Add((line[3..], block));
            }
            else
            {
                block = null;
            }
        }

        return blocks;
    }

    /// <summary>Whether a block uses the Redis package, so that it builds against it as well as the library.</summary>
    public static bool UsesRedisPackage(string block) => RedisPackageApi().IsMatch(block);

    /// <summary>Whether a block holds top-level statements (a Program.cs) rather than only types.</summary>
    public static bool IsProgram(string block) => TopLevelStatement().IsMatch(block);

    // The docs' Program.cs blocks start their statements at column 0 with a declaration or a call, never a type.
    [GeneratedRegex(@"^(var |await |builder\.|app\.)", RegexOptions.Multiline)]
    private static partial Regex TopLevelStatement();

    // The Redis package's entry points, and the client library its options expose.
    [GeneratedRegex(@"\b(AddStackExchangeRedis|AddTakoSseRedis|TakoSseRedisOptions)\b|\bStackExchange\.Redis\b")]
    private static partial Regex RedisPackageApi();
}
