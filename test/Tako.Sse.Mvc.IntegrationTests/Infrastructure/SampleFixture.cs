namespace Tako.Sse.Mvc.IntegrationTests.Infrastructure;

/// <summary>One running sample app shared by the tests of a class.</summary>
public sealed class SampleFixture : IAsyncLifetime
{
    /// <summary>A keep-alive short enough that the ticker's one-second silences each carry a few comments.</summary>
    public const string ShortKeepAlive = "--Tako:Sse:KeepAlive=00:00:00.2";

    public TestApp App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await TestApp.StartSampleAsync(ShortKeepAlive);

    public async Task DisposeAsync() => await App.DisposeAsync();
}
