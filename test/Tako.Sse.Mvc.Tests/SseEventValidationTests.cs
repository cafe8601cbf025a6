namespace Tako.Sse.Mvc.Tests;

public class SseEventValidationTests
{
    [Fact]
    public void FromData_Null_ThrowsArgumentNull() =>
        FluentActions.Invoking(() => SseEvent.FromData(null!)).Should().ThrowExactly<ArgumentNullException>().WithParameterName("data");

    [Fact]
    public void FromComment_Null_ThrowsArgumentNull() =>
        FluentActions.Invoking(() => SseEvent.FromComment(null!)).Should().ThrowExactly<ArgumentNullException>().WithParameterName("comment");

    [Fact]
    public void WithComment_Null_ThrowsArgumentNull() =>
        FluentActions.Invoking(() => SseEvent.FromData("x").WithComment(null!)).Should().ThrowExactly<ArgumentNullException>().WithParameterName("comment");

    [Fact]
    public void WithEvent_Null_ThrowsArgumentNull() =>
        FluentActions.Invoking(() => SseEvent.FromData("x").WithEvent(null!)).Should().ThrowExactly<ArgumentNullException>().WithParameterName("name");

    [Fact]
    public void WithId_Null_ThrowsArgumentNull() =>
        FluentActions.Invoking(() => SseEvent.FromData("x").WithId(null!)).Should().ThrowExactly<ArgumentNullException>().WithParameterName("id");

    [Theory]
    [InlineData("a\rb")]
    [InlineData("a\nb")]
    [InlineData("a\r\nb")]
    [InlineData("\n")]
    [InlineData("click\n\nevent:x")]
    public void WithEvent_LineBreak_ThrowsArgumentWithName(string name) =>
        FluentActions.Invoking(() => SseEvent.FromData("x").WithEvent(name)).Should().ThrowExactly<ArgumentException>().WithParameterName("name");

    // Not enumerated at discovery: xUnit would serialize the strings and turn each lone surrogate into U+FFFD.
    public static TheoryData<string> LoneSurrogates => new()
    {
        "\uD800",
        "a\uDBFFb",
        "\uDC00",
        "x\uDFFF",
        "\uDE00\uD83D",
        "ok\uD83D",
    };

    [Theory]
    [MemberData(nameof(LoneSurrogates), DisableDiscoveryEnumeration = true)]
    public void WithId_LoneSurrogate_ThrowsArgumentWithName(string id) =>
        FluentActions.Invoking(() => SseEvent.FromData("x").WithId(id)).Should().ThrowExactly<ArgumentException>().WithParameterName("id");

    [Theory]
    [MemberData(nameof(LoneSurrogates), DisableDiscoveryEnumeration = true)]
    public void WithEvent_LoneSurrogate_ThrowsArgumentWithName(string name) =>
        FluentActions.Invoking(() => SseEvent.FromData("x").WithEvent(name)).Should().ThrowExactly<ArgumentException>().WithParameterName("name");

    [Theory]
    [MemberData(nameof(LoneSurrogates), DisableDiscoveryEnumeration = true)]
    public void Json_EventNameWithLoneSurrogate_ThrowsArgumentWithName(string name) =>
        FluentActions.Invoking(() => SseActionResult.Json(AsyncEnumerable.Empty<int>(), name)).Should().ThrowExactly<ArgumentException>().WithParameterName("eventName");

    [Fact]
    public void WithIdAndWithEvent_SurrogatePairs_AreAccepted()
    {
        var evt = SseEvent.FromData("x").WithId("\uD83D\uDE00-1").WithEvent("\uD83D\uDE00");

        evt.Id.Should().Be("\uD83D\uDE00-1");
        evt.Event.Should().Be("\uD83D\uDE00");
    }

    [Theory]
    [InlineData("1\r")]
    [InlineData("1\n")]
    [InlineData("\r\n")]
    [InlineData("1\0")]
    [InlineData("\0")]
    public void WithId_LineBreakOrNul_ThrowsArgumentWithName(string id) =>
        FluentActions.Invoking(() => SseEvent.FromData("x").WithId(id)).Should().ThrowExactly<ArgumentException>().WithParameterName("id");

    [Fact]
    public void WithEvent_Nul_IsAccepted()
    {
        // NUL only disqualifies an id (the standard ignores such an id); in an event name it is plain text.
        SseEvent.FromData("x").WithEvent("a\0b").Event.Should().Be("a\0b");
    }

    [Fact]
    public void FromRetry_Negative_ThrowsArgumentOutOfRangeWithName() =>
        FluentActions.Invoking(() => SseEvent.FromRetry(TimeSpan.FromTicks(-1))).Should().ThrowExactly<ArgumentOutOfRangeException>().WithParameterName("retry");

    [Fact]
    public void WithRetry_Negative_ThrowsArgumentOutOfRangeWithName() =>
        FluentActions.Invoking(() => SseEvent.FromData("x").WithRetry(TimeSpan.FromSeconds(-5))).Should().ThrowExactly<ArgumentOutOfRangeException>().WithParameterName("retry");

    [Fact]
    public void FromRetry_MinValue_ThrowsArgumentOutOfRangeWithName() =>
        FluentActions.Invoking(() => SseEvent.FromRetry(TimeSpan.MinValue)).Should().ThrowExactly<ArgumentOutOfRangeException>().WithParameterName("retry");
}
