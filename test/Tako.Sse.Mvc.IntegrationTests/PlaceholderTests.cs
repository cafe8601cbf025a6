namespace Tako.Sse.Mvc.IntegrationTests;

public class PlaceholderTests
{
    [Fact]
    public void Placeholder() => true.Should().BeTrue();
}
