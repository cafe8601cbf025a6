namespace Tako.Sse.Mvc.Tests.Channels.Memory;

public class SseEventIdsTests
{
    [Fact]
    public void Next_Repeatedly_FormatsEpochDashGrowingSequence()
    {
        var ids = new SseEventIds(TestHub.Epoch);

        ids.Format(ids.Next()).Should().Be(TestHub.Epoch + "-1");
        ids.Format(ids.Next()).Should().Be(TestHub.Epoch + "-2");
    }

    [Fact]
    public void Constructor_TwoHubs_DrawDifferentEpochsOfSixteenLowercaseHexDigits()
    {
        var first = new SseEventIds().Epoch;
        var second = new SseEventIds().Epoch;

        first.Should().MatchRegex("^[0-9a-f]{16}$");
        second.Should().NotBe(first);
    }

    [Theory]
    [InlineData(null, "None")]
    [InlineData("", "None")]
    [InlineData("0123456789abcdef-1", "Issued")]
    [InlineData("0123456789abcdef-3", "Issued")]
    [InlineData("0123456789abcdef-4", "Unknown")]
    [InlineData("0123456789abcdef-0", "Issued")]
    [InlineData("0123456789abcdef-00", "Unknown")]
    [InlineData("0123456789abcdef-01", "Unknown")]
    [InlineData("0123456789abcdef-+1", "Unknown")]
    [InlineData("0123456789abcdef- 1", "Unknown")]
    [InlineData("0123456789abcdef-", "Unknown")]
    [InlineData("0123456789abcdef-1-1", "Unknown")]
    [InlineData("0123456789ABCDEF-1", "Unknown")]
    [InlineData("fedcba9876543210-1", "Unknown")]
    [InlineData("0123456789abcde-1", "Unknown")]
    [InlineData("0123456789abcdef-١", "Unknown")]
    [InlineData("0123456789abcdef-99999999999999999999", "Unknown")]
    [InlineData("0123456789abcdef_1", "Unknown")]
    [InlineData("1", "Unknown")]
    public void Classify_Id_IsStrict(string? id, string kind)
    {
        var ids = new SseEventIds(TestHub.Epoch);
        ids.Next();
        ids.Next();
        ids.Next();

        var expected = Enum.Parse<SseEventIdKind>(kind);
        ids.Classify(id, out var sequence).Should().Be(expected);
        if (expected == SseEventIdKind.Issued)
        {
            ids.Format(sequence).Should().Be(id);
        }
    }
}
