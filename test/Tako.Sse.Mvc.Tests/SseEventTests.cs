namespace Tako.Sse.Mvc.Tests;

public class SseEventTests
{
    [Fact]
    public void FromData_Value_ReadsBackOnlyData()
    {
        var evt = SseEvent.FromData("hello");

        evt.Data.Should().Be("hello");
        evt.Comment.Should().BeNull();
        evt.Event.Should().BeNull();
        evt.Id.Should().BeNull();
        evt.Retry.Should().BeNull();
    }

    [Fact]
    public void With_AllFields_ReadsBackEveryField()
    {
        var evt = SseEvent.FromComment("note").WithEvent("greeting").WithId("1").WithRetry(TimeSpan.FromSeconds(5)).WithComment("last");

        evt.Data.Should().BeNull();
        evt.Comment.Should().Be("last");
        evt.Event.Should().Be("greeting");
        evt.Id.Should().Be("1");
        evt.Retry.Should().Be(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void FromRetry_Value_ReadsBackOnlyRetry()
    {
        var evt = SseEvent.FromRetry(TimeSpan.Zero);

        evt.Retry.Should().Be(TimeSpan.Zero);
        evt.Data.Should().BeNull();
    }

    [Fact]
    public void WithRetry_FractionalMilliseconds_TruncatesToWholeMilliseconds()
    {
        var evt = SseEvent.FromData("x").WithRetry(TimeSpan.FromTicks((1234 * TimeSpan.TicksPerMillisecond) + 9999));

        evt.Retry.Should().Be(TimeSpan.FromMilliseconds(1234));
    }

    [Fact]
    public void Default_NoField_ReadsBackNothing()
    {
        var evt = default(SseEvent);

        evt.Data.Should().BeNull();
        evt.Comment.Should().BeNull();
        evt.Event.Should().BeNull();
        evt.Id.Should().BeNull();
        evt.Retry.Should().BeNull();
        evt.Should().Be(new SseEvent());
    }

    [Fact]
    public void Default_WithInvalidValues_StillThrows()
    {
        // default(SseEvent) skips the factories; the With… methods must still guard every value.
        var evt = default(SseEvent);

        FluentActions.Invoking(() => evt.WithEvent("a\nb")).Should().ThrowExactly<ArgumentException>().WithParameterName("name");
        FluentActions.Invoking(() => evt.WithId("a\0b")).Should().ThrowExactly<ArgumentException>().WithParameterName("id");
        FluentActions.Invoking(() => evt.WithRetry(TimeSpan.FromMilliseconds(-1))).Should().ThrowExactly<ArgumentOutOfRangeException>().WithParameterName("retry");
        FluentActions.Invoking(() => evt.WithComment(null!)).Should().ThrowExactly<ArgumentNullException>().WithParameterName("comment");
    }

    [Fact]
    public void Equals_SameFields_AreEqualWithSameHashCode()
    {
        var a = SseEvent.FromData("x").WithEvent("e").WithId("1").WithRetry(TimeSpan.FromSeconds(1));
        var b = SseEvent.FromData("x").WithEvent("e").WithId("1").WithRetry(TimeSpan.FromSeconds(1));

        (a == b).Should().BeTrue();
        a.GetHashCode().Should().Be(b.GetHashCode());
        (a != b.WithId("2")).Should().BeTrue();
        a.Equals(SseEvent.FromData("x")).Should().BeFalse();
    }

    [Fact]
    public void Equals_RetryZeroVersusNoRetry_AreDifferent()
    {
        SseEvent.FromData("x").WithRetry(TimeSpan.Zero).Should().NotBe(SseEvent.FromData("x"));
    }

    [Fact]
    public void ToString_Event_DescribesWithoutPayload()
    {
        var text = SseEvent.FromData("secret").WithEvent("e").ToString();

        text.Should().Contain("Event = e").And.Contain("6 chars").And.NotContain("secret");
    }
}
