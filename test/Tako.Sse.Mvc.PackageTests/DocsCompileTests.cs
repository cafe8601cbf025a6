namespace Tako.Sse.Mvc.PackageTests;

/// <summary>
/// Every C# block the docs mark as complete builds, as pasted, in a fresh ASP.NET Core project (nullable and
/// implicit usings on, as <c>dotnet new web</c> makes it) against the library, with warnings as errors.
/// </summary>
[Collection(PackageCollection.Name)]
public class DocsCompileTests
{
    public static TheoryData<string> PagesWithCompleteBlocks()
    {
        var data = new TheoryData<string>();
        foreach (var page in MarkdownCode.Pages().Where(p => MarkdownCode.CompleteBlocks(p).Count > 0))
        {
            data.Add(Path.GetRelativePath(Repository.Root, page));
        }

        return data;
    }

    [Theory]
    [InlineData("README.md")]
    [InlineData("docs/getting-started.md")]
    [InlineData("src/Tako.Sse.Mvc/README.md")]
    public void CompleteBlocks_QuickStartPages_ShowProgramAndController(string page)
    {
        var blocks = MarkdownCode.CompleteBlocks(Path.Combine(Repository.Root, page));

        blocks.Should().Contain(b => MarkdownCode.IsProgram(b) && b.Contains("app.Run();", StringComparison.Ordinal), "the page shows a whole Program.cs");
        blocks.Should().Contain(b => b.Contains("using Tako.Sse.Mvc;", StringComparison.Ordinal) && b.Contains(": ControllerBase", StringComparison.Ordinal), "the page shows a whole controller with its using lines");
    }

    [Theory]
    [InlineData("docs/scale-out.md")]
    [InlineData("src/Tako.Sse.Mvc.StackExchangeRedis/README.md")]
    public void CompleteBlocks_RedisPages_ShowAProgramOnRedis(string page)
    {
        var blocks = MarkdownCode.CompleteBlocks(Path.Combine(Repository.Root, page));

        blocks.Should().Contain(
            b => MarkdownCode.IsProgram(b) && b.Contains(".AddStackExchangeRedis(", StringComparison.Ordinal) && b.Contains("app.Run();", StringComparison.Ordinal),
            "the page shows a whole Program.cs on the Redis hub, built against both packages");
    }

    [Theory]
    [MemberData(nameof(PagesWithCompleteBlocks))]
    public async Task CompleteBlocks_OfPage_BuildAgainstTheLibrary(string page)
    {
        var blocks = MarkdownCode.CompleteBlocks(Path.Combine(Repository.Root, page));
        var directory = Directory.CreateTempSubdirectory("tako-docs-").FullName;
        try
        {
            var project = Path.Combine(directory, "DocsBlocks.csproj");
            File.WriteAllText(project, ProjectFile(isProgram: blocks.Exists(MarkdownCode.IsProgram), usesRedis: blocks.Exists(MarkdownCode.UsesRedisPackage)));
            for (var i = 0; i < blocks.Count; i++)
            {
                File.WriteAllText(Path.Combine(directory, $"Block{i + 1}.cs"), blocks[i]);
            }

            // The packages are already built in this configuration; building them again could race another build.
            var (exitCode, output) = await DotnetCli.RunAsync(directory, null, "build", project, "-c", Repository.Configuration, "-p:BuildProjectReferences=false");

            exitCode.Should().Be(0, $"every complete block of {page} must build as pasted:\n{output}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    // The Redis package only for a page that uses it: a block of a core page that needed it would not build for a
    // reader who installed the core package alone.
    private static string ProjectFile(bool isProgram, bool usesRedis)
    {
        var redis = usesRedis ? $"<ProjectReference Include=\"{Repository.ProjectOf(PackedPackage.RedisId)}\" />" : "";
        return $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <OutputType>{(isProgram ? "Exe" : "Library")}</OutputType>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{Repository.LibraryProject}" />
                {redis}
              </ItemGroup>
            </Project>
            """;
    }
}
