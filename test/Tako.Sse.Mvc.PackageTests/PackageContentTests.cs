using System.Reflection.Metadata;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Tako.Sse.Mvc.PackageTests;

/// <summary>What nuget.org and a debugger see in each package: metadata, readme, SourceLink, no build machine paths.</summary>
[Collection(PackageCollection.Name)]
public partial class PackageContentTests(PackedPackage package)
{
    private const string RepositoryUrl = "https://github.com/tako-sse/Tako.Sse.Mvc";

    // The SourceLink record of a portable PDB (a well-known id of the format).
    private static readonly Guid s_sourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    public static TheoryData<string> PackageIds => new(PackedPackage.Ids);

    [Fact]
    public void Pack_Output_HasNoWarning()
    {
        // Package validation runs on every pack; SourceLink warns when it cannot map sources (a local origin).
        package.PackOutput.Should().NotContainEquivalentOf("warning");
        foreach (var id in PackedPackage.Ids)
        {
            File.Exists(package.SnupkgPathOf(id)).Should().BeTrue($"the symbols package of {id} is published beside the package");
        }
    }

    [Theory]
    [MemberData(nameof(PackageIds))]
    public void Nuspec_Metadata_NamesRepositoryProjectLicenseReadmeAndTags(string id)
    {
        var nuspec = XDocument.Load(new MemoryStream(PackedPackage.ReadEntry(package.NupkgPathOf(id), $"{id}.nuspec")));
        var metadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Value(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;

        var repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
        repository.Attribute("url")!.Value.Should().Be(RepositoryUrl);
        repository.Attribute("commit")!.Value.Should().MatchRegex("^[0-9a-f]{40}$");
        Value("projectUrl").Should().Be(RepositoryUrl);
        Value("readme").Should().Be("README.md");
        Value("tags").Should().Contain("server-sent-events");
        metadata.Elements().Single(e => e.Name.LocalName == "license").Value.Should().Be("MIT");
    }

    [Fact]
    public void Nuspec_RedisPackage_DependsOnExactlyTheCoreVersionItWasBuiltWith()
    {
        // The Redis package uses the core's internals (InternalsVisibleTo): with any other core version a user
        // could get a MissingMethodException at run time, so the range is exact.
        var nuspec = XDocument.Load(new MemoryStream(PackedPackage.ReadEntry(package.NupkgPathOf(PackedPackage.RedisId), $"{PackedPackage.RedisId}.nuspec")));
        var core = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency" && e.Attribute("id")?.Value == PackedPackage.Id).ToList();

        core.Should().NotBeEmpty();
        core.Should().AllSatisfy(d => d.Attribute("version")!.Value.Should().Be($"[{package.Version}]"));
    }

    [Theory]
    [MemberData(nameof(PackageIds))]
    public void Readme_Packed_IsThePackageReadmeWithAbsoluteLinksAndNoContributorInstructions(string id)
    {
        var readme = Encoding.UTF8.GetString(PackedPackage.ReadEntry(package.NupkgPathOf(id), "README.md"));

        readme.Should().Be(File.ReadAllText(Repository.PackageReadmeOf(id)));
        MarkdownLink().Matches(readme).Select(m => m.Groups["url"].Value).Should().NotBeEmpty()
            .And.OnlyContain(
                url => url.StartsWith(RepositoryUrl, StringComparison.Ordinal) || url.StartsWith("https://www.nuget.org/packages/", StringComparison.Ordinal),
                "relative links and images are broken on nuget.org");
        readme.Should().NotContainAny("dotnet test", "chromium", ".ci/run", "CONTRIBUTING", "docs/images");
    }

    [Theory]
    [MemberData(nameof(PackageIds))]
    public void DllAndPdb_Packed_HoldNoPathOfTheBuildMachine(string id)
    {
        var dll = PackedPackage.ReadEntry(package.NupkgPathOf(id), $"lib/net10.0/{id}.dll");
        var pdb = PackedPackage.ReadEntry(package.SnupkgPathOf(id), $"lib/net10.0/{id}.pdb");

        foreach (var path in new[] { Repository.Root, Path.GetTempPath().TrimEnd('/'), Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) })
        {
            foreach (var encoding in new Encoding[] { Encoding.UTF8, Encoding.Unicode })
            {
                var bytes = encoding.GetBytes(path + "/");
                dll.AsSpan().IndexOf(bytes).Should().Be(-1, $"the DLL must not contain {path}");
                pdb.AsSpan().IndexOf(bytes).Should().Be(-1, $"the PDB must not contain {path}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(PackageIds))]
    public void Pdb_SourceLink_MapsEverySourceToTheRepositoryAtItsCommit(string id)
    {
        var pdb = PackedPackage.ReadEntry(package.SnupkgPathOf(id), $"lib/net10.0/{id}.pdb");
        using var provider = MetadataReaderProvider.FromPortablePdbStream(new MemoryStream(pdb));
        var reader = provider.GetMetadataReader();

        var documents = reader.Documents.Select(d => reader.GetString(reader.GetDocument(d).Name)).ToList();
        var sourceLink = reader.CustomDebugInformation
            .Select(reader.GetCustomDebugInformation)
            .Where(c => reader.GetGuid(c.Kind) == s_sourceLinkKind)
            .Select(c => Encoding.UTF8.GetString(reader.GetBlobBytes(c.Value)))
            .Single();

        documents.Should().NotBeEmpty().And.OnlyContain(d => d.StartsWith("/_/", StringComparison.Ordinal));
        sourceLink.Should().MatchRegex("\"/_/\\*\":\\s*\"https://raw.githubusercontent.com/tako-sse/Tako.Sse.Mvc/[0-9a-f]{40}/\\*\"");
    }

    [Theory]
    [MemberData(nameof(PackageIds))]
    public void Dll_Packed_GivesNoMockingLibraryAccessToInternals(string id)
    {
        var dll = PackedPackage.ReadEntry(package.NupkgPathOf(id), $"lib/net10.0/{id}.dll");

        dll.AsSpan().IndexOf("DynamicProxyGenAssembly2"u8).Should().Be(-1);
    }

    [GeneratedRegex(@"\]\((?<url>[^)\s]+)\)|<(?<url>https?://[^>]+)>")]
    private static partial Regex MarkdownLink();
}
