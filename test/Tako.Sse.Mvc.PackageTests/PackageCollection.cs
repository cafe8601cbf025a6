namespace Tako.Sse.Mvc.PackageTests;

/// <summary>
/// The tests that build with the dotnet CLI run one after another: they share one packed package, and two builds
/// of the library at once would race on its output.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackedPackage>
{
    public const string Name = "Package";
}
