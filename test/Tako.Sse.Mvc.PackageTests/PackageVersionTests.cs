using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;

namespace Tako.Sse.Mvc.PackageTests;

/// <summary>
/// The packages' version (Directory.Build.targets, TakoStampVersion): the prefix, <c>-dev.</c> and the UTC time
/// of the last change to what goes into them, one version for both; an explicit version wins. See
/// CONTRIBUTING.md, "Package versions".
/// </summary>
[Collection(PackageCollection.Name)]
public class PackageVersionTests(PackedPackage package)
{
    private const string StampFormat = "yyyyMMdd'T'HHmmss";

    // Far enough ahead of any commit that it is the latest change.
    private static readonly DateTime s_edited = new(2099, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    public static TheoryData<string> PackageIds => new(PackedPackage.Ids);

    [Fact]
    public async Task Version_BothPackagesPackedByTwoCommands_AreOneDevVersionStampedWithTheLastChange()
    {
        var commit = await Git.HeadCommitTimeAsync(Repository.Root);
        var changed = await Git.RunAsync(Repository.Root, ["status", "--porcelain", "--", .. Inputs()]);

        package.VersionOf(PackedPackage.RedisId).Should().Be(package.Version, "the Redis package depends on exactly the core of its build");
        package.Version.Should().MatchRegex($"^{VersionPrefix().Replace(".", "\\.", StringComparison.Ordinal)}-dev\\.[0-9]{{8}}T[0-9]{{6}}$");
        var stamp = DateTime.ParseExact(package.Version[(package.Version.LastIndexOf('.') + 1)..], StampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        if (changed.Length == 0)
        {
            stamp.Should().Be(commit, "with no uncommitted change to the packages' inputs the stamp is HEAD's commit time");
        }
        else
        {
            stamp.Should().BeOnOrAfter(commit, "an uncommitted change to an input comes after HEAD's commit:\n" + changed);
        }
    }

    [Theory]
    [MemberData(nameof(PackageIds))]
    public void Dll_Packed_CarriesThePackageVersionAndItsCommit(string id)
    {
        var nuspec = XDocument.Load(new MemoryStream(PackedPackage.ReadEntry(package.NupkgPathOf(id), $"{id}.nuspec")));
        var commit = nuspec.Descendants().Single(e => e.Name.LocalName == "repository").Attribute("commit")!.Value;
        var dll = PackedPackage.ReadEntry(package.NupkgPathOf(id), $"lib/net10.0/{id}.dll");

        // AssemblyInformationalVersion: what a debugger, a crash report or the file properties show.
        dll.AsSpan().IndexOf(Encoding.UTF8.GetBytes($"{package.VersionOf(id)}+{commit}")).Should().BeGreaterThanOrEqualTo(0, "the DLL says which version and commit it is");
    }

    [Theory]
    [InlineData("", "{prefix}-dev.")]
    [InlineData("-p:Version=1.2.3", "1.2.3")]
    [InlineData("-p:VersionSuffix=rc.1", "{prefix}-rc.1")]
    public async Task Version_GivenOrNot_IsTheRedisPackagesAndTheExactVersionOfItsCoreDependency(string property, string expected)
    {
        expected = expected.Replace("{prefix}", VersionPrefix(), StringComparison.Ordinal);
        string[] arguments = ["msbuild", Repository.ProjectOf(PackedPackage.RedisId), "-nologo", "-t:_GetProjectReferenceVersions",
            "-getProperty:PackageVersion", "-getProperty:Version", "-getItem:_ProjectReferencesWithVersions"];

        // What pack reads: this package's version, and the core's as the range of the dependency on it.
        var result = await QueryAsync(Repository.Root, null, property.Length == 0 ? arguments : [.. arguments, property]);
        var version = result.GetProperty("Properties").GetProperty("PackageVersion").GetString()!;
        var core = result.GetProperty("Items").GetProperty("_ProjectReferencesWithVersions").EnumerateArray()
            .Single(r => r.GetProperty("Identity").GetString()!.EndsWith($"{PackedPackage.Id}.csproj", StringComparison.Ordinal));

        (expected.EndsWith('.') ? version.Should().StartWith(expected) : version.Should().Be(expected)).And.Be(result.GetProperty("Properties").GetProperty("Version").GetString());
        core.GetProperty("ProjectVersion").GetString().Should().Be($"[{version}]");
    }

    [Fact]
    public async Task Stamp_OfAShallowClone_IsHeadsCommitTimeThenAnUncommittedInputsTimeThenTheNewestInputsWithoutGit()
    {
        var clone = Directory.CreateTempSubdirectory("tako-clone-").FullName;
        try
        {
            await Git.RunAsync(Path.GetTempPath(), "clone", "--quiet", "--depth", "1", "--no-tags", new Uri(Repository.Root).AbsoluteUri, clone);
            var project = Path.Combine(clone, "src", PackedPackage.Id, $"{PackedPackage.Id}.csproj");
            var commit = await Git.HeadCommitTimeAsync(clone);

            (await StampedVersionAsync(project, null)).Should().Be($"{VersionPrefix()}-dev.{commit.ToString(StampFormat, CultureInfo.InvariantCulture)}", "a shallow clone has HEAD's commit, not its history");

            // An uncommitted edit of an input stamps its time; one outside the inputs (docs) changes no package.
            Edit(Path.Combine(clone, "src", PackedPackage.Id, "README.md"), s_edited);
            Edit(Path.Combine(clone, "docs", "index.md"), s_edited.AddDays(1));
            var edited = $"{VersionPrefix()}-dev.{s_edited.ToString(StampFormat, CultureInfo.InvariantCulture)}";
            (await StampedVersionAsync(project, null)).Should().Be(edited);

            // No clone at all (an archive of the sources): the newest input, and the build does not fail.
            Directory.Delete(Path.Combine(clone, ".git"), recursive: true);
            var noRepositoryAbove = new Dictionary<string, string> { ["GIT_CEILING_DIRECTORIES"] = Path.GetDirectoryName(clone)! };
            (await StampedVersionAsync(project, noRepositoryAbove)).Should().Be(edited);
        }
        finally
        {
            Directory.Delete(clone, recursive: true);
        }
    }

    private static void Edit(string path, DateTime writtenAt)
    {
        File.AppendAllText(path, "\nAn edit.\n");
        File.SetLastWriteTimeUtc(path, writtenAt);
    }

    private static async Task<string> StampedVersionAsync(string project, IDictionary<string, string>? environment)
    {
        var result = await QueryAsync(Path.GetDirectoryName(project)!, environment,
            "msbuild", project, "-nologo", "-t:TakoStampVersion", "-getProperty:PackageVersion", "-getProperty:Version");
        var properties = result.GetProperty("Properties");
        properties.GetProperty("Version").GetString().Should().Be(properties.GetProperty("PackageVersion").GetString(), "the DLL and the package carry one version");
        return properties.GetProperty("PackageVersion").GetString()!;
    }

    // `dotnet msbuild -getProperty/-getItem` prints the values, after the targets given, as one JSON object.
    private static async Task<JsonElement> QueryAsync(string directory, IDictionary<string, string>? environment, params string[] arguments)
    {
        var output = await DotnetCli.RunOrFailAsync(directory, environment, arguments);
        var start = output.IndexOf('{', StringComparison.Ordinal);
        start.Should().BeGreaterThanOrEqualTo(0, $"dotnet {string.Join(' ', arguments)} prints JSON:\n{output}");
        using var json = JsonDocument.Parse(output[start..(output.LastIndexOf('}') + 1)]);
        return json.RootElement.Clone();
    }

    private static string VersionPrefix() => BuildProperty("Directory.Build.props", "VersionPrefix");

    private static string[] Inputs() => BuildProperty("Directory.Build.targets", "TakoVersionInputs").Split(';');

    private static string BuildProperty(string file, string name) =>
        XDocument.Load(Path.Combine(Repository.Root, file)).Descendants(name).Single().Value.Trim();
}
