namespace Tako.Sse.Mvc.IntegrationTests.Browser;

/// <summary>The browser tests share one Chromium and one sample app, and run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class ChromiumCollection : ICollectionFixture<ChromiumFixture>
{
    public const string Name = "Chromium";
}
