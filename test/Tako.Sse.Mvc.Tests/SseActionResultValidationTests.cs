namespace Tako.Sse.Mvc.Tests;

public class SseActionResultValidationTests
{
    [Fact]
    public void Constructor_NullEvents_ThrowsArgumentNull() =>
        FluentActions.Invoking(() => new SseActionResult((IAsyncEnumerable<SseEvent>)null!)).Should().ThrowExactly<ArgumentNullException>().WithParameterName("events");

    [Fact]
    public void Constructor_NullChunks_ThrowsArgumentNull() =>
        FluentActions.Invoking(() => new SseActionResult((IAsyncEnumerable<ReadOnlyMemory<byte>>)null!)).Should().ThrowExactly<ArgumentNullException>().WithParameterName("chunks");

    [Fact]
    public void Json_NullItems_ThrowsArgumentNull() =>
        FluentActions.Invoking(() => SseActionResult.Json<int>(null!)).Should().ThrowExactly<ArgumentNullException>().WithParameterName("items");

    [Theory]
    [InlineData("a\rb")]
    [InlineData("a\nb")]
    [InlineData("tick\n\nevent:click")]
    public void Json_EventNameWithLineBreak_ThrowsArgumentWithName(string eventName) =>
        FluentActions.Invoking(() => SseActionResult.Json(AsyncEnumerable.Empty<int>(), eventName)).Should().ThrowExactly<ArgumentException>().WithParameterName("eventName");

    [Fact]
    public void Json_NullIdSelector_ThrowsArgumentNull() =>
        FluentActions.Invoking(() => SseActionResult.Json(AsyncEnumerable.Empty<int>(), idSelector: null!)).Should().ThrowExactly<ArgumentNullException>().WithParameterName("idSelector");

    [Fact]
    public void Json_NullEventNameSelector_ThrowsArgumentNull() =>
        FluentActions.Invoking(() => SseActionResult.Json(AsyncEnumerable.Empty<int>(), i => null, eventNameSelector: null!)).Should().ThrowExactly<ArgumentNullException>().WithParameterName("eventNameSelector");

    [Fact]
    public void Json_IdSelectorAndEventNameWithLineBreak_ThrowsArgumentWithName() =>
        FluentActions.Invoking(() => SseActionResult.Json(AsyncEnumerable.Empty<int>(), i => null, "a\nb")).Should().ThrowExactly<ArgumentException>().WithParameterName("eventName");

    [Fact]
    public void Json_NullEventName_IsAccepted() =>
        SseActionResult.Json(AsyncEnumerable.Empty<int>(), eventName: null).Should().NotBeNull();
}
