using System.Reflection.Metadata;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Tako.Sse.Mvc.PackageTests;

/// <summary>What nuget.org and a debugger see in the package: metadata, readme, SourceLink, no build machine paths.</summary>
[Collection(PackageCollection.Name)]
public partial class PackageContentTests(PackedPackage package)
{
    private const string RepositoryUrl = "https://github.com/tako-sse/Tako.Sse.Mvc";

    // The SourceLink record of a portable PDB (a well-known id of the format).
    private static readonly Guid s_sourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    private string DllEntry => "lib/net10.0/Tako.Sse.Mvc.dll";

    [Fact]
    public void Pack_Output_HasNoWarning()
    {
        // Package validation runs on every pack; SourceLink warns when it cannot map sources (a local origin).
        package.PackOutput.Should().NotContainEquivalentOf("warning");
        File.Exists(package.SnupkgPath).Should().BeTrue("the symbols package is published beside the package");
    }

    [Fact]
    public void Nuspec_Metadata_NamesRepositoryProjectLicenseReadmeAndTags()
    {
        var nuspec = XDocument.Load(new MemoryStream(PackedPackage.ReadEntry(package.NupkgPath, "Tako.Sse.Mvc.nuspec")));
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
    public void Readme_Packed_IsThePackageReadmeWithAbsoluteLinksAndNoContributorInstructions()
    {
        var readme = Encoding.UTF8.GetString(PackedPackage.ReadEntry(package.NupkgPath, "README.md"));

        readme.Should().Be(File.ReadAllText(Repository.PackageReadme));
        MarkdownLink().Matches(readme).Select(m => m.Groups["url"].Value).Should().NotBeEmpty()
            .And.OnlyContain(url => url.StartsWith(RepositoryUrl, StringComparison.Ordinal), "relative links and images are broken on nuget.org");
        readme.Should().NotContainAny("dotnet test", "chromium", ".ci/run", "CONTRIBUTING", "docs/images");
    }

    [Fact]
    public void DllAndPdb_Packed_HoldNoPathOfTheBuildMachine()
    {
        var dll = PackedPackage.ReadEntry(package.NupkgPath, DllEntry);
        var pdb = PackedPackage.ReadEntry(package.SnupkgPath, "lib/net10.0/Tako.Sse.Mvc.pdb");

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

    [Fact]
    public void Pdb_SourceLink_MapsEverySourceToTheRepositoryAtItsCommit()
    {
        var pdb = PackedPackage.ReadEntry(package.SnupkgPath, "lib/net10.0/Tako.Sse.Mvc.pdb");
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

    [Fact]
    public void Dll_Packed_GivesNoMockingLibraryAccessToInternals()
    {
        var dll = PackedPackage.ReadEntry(package.NupkgPath, DllEntry);

        dll.AsSpan().IndexOf("DynamicProxyGenAssembly2"u8).Should().Be(-1);
    }

    [GeneratedRegex(@"\]\((?<url>[^)\s]+)\)|<(?<url>https?://[^>]+)>")]
    private static partial Regex MarkdownLink();
}
