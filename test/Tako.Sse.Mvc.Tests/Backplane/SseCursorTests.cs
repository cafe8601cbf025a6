using System.Text;

namespace Tako.Sse.Mvc.Tests.Backplane;

public sealed class SseCursorTests
{
    [Fact]
    public void Length_ThirtyTwoChannelsWithRedisIds_StaysUnderTwoKilobytes()
    {
        // Long names on purpose: the cursor holds keys, not names. Ids far apart in time share little.
        var channels = Enumerable.Range(0, 32).Select(i => $"tenant-{i}/a-rather-long-channel-name-{new string('n', 200)}").ToArray();
        var cursor = new SseCursor(channels);
        for (var slot = 0; slot < channels.Length; slot++)
        {
            cursor.Set(slot, $"{1733212345678 + (slot * 7_777_777)}-{slot * 7}");
        }

        var text = cursor.ToString();

        Encoding.ASCII.GetByteCount(text).Should().Be(cursor.Length).And.BeLessThanOrEqualTo(2048);
        text.Length.Should().Be(Measured.RedisIds32);
        SseCursor.Parse(text)!.Values.Should().BeEquivalentTo(Enumerable.Range(0, 32).Select(slot => $"{1733212345678 + (slot * 7_777_777)}-{slot * 7}"));
    }

    [Fact]
    public void Length_ThirtyTwoChannelsWithInMemoryIds_StaysUnderTwoKilobytes()
    {
        var cursor = new SseCursor([.. Enumerable.Range(0, 32).Select(i => $"c{i}")]);
        for (var slot = 0; slot < 32; slot++)
        {
            cursor.Set(slot, $"0123456789abcdef-{9_000_000_000L + (slot * 1_000_003)}");
        }

        cursor.Length.Should().Be(Measured.InMemoryIds32).And.BeLessThanOrEqualTo(2048, "the epoch they share is written once");
        SseCursor.Parse(cursor.ToString())!.Values.Should().BeEquivalentTo(Enumerable.Range(0, 32).Select(slot => $"0123456789abcdef-{9_000_000_000L + (slot * 1_000_003)}"));
    }

    [Fact]
    public void Parse_SharedPart_IsPutBackInFrontOfEveryPosition()
    {
        var a = SseCursor.Key("a");
        var b = SseCursor.Key("b");

        SseCursor.Parse($"t1*0123-.{a}~5.{b}~")!.Should().BeEquivalentTo(new Dictionary<string, string> { [a] = "0123-5", [b] = "0123-" });
        SseCursor.Parse($"t1*.{a}~5").Should().BeNull("an empty shared part is not written");
        SseCursor.Parse($"t1*01!.{a}~5").Should().BeNull();
        SseCursor.Parse($"t1*{new string('1', 60)}.{a}~12345").Should().BeNull("the position would be longer than 64");
    }

    // What the cursors above measure (docs/channels.md states them).
    private static class Measured
    {
        public const int RedisIds32 = 726;
        public const int InMemoryIds32 = 598;
    }

    [Fact]
    public void Parse_WhatWriteWrote_GivesEveryPositionByKey()
    {
        var cursor = new SseCursor(["a", "b", "c", "d"]);
        cursor.Set(0, "1-1");
        cursor.Set(2, "0123456789abcdef-5");
        cursor.Set(3, "0123456789abcdef-17");

        var positions = SseCursor.Parse(cursor.ToString());

        positions.Should().BeEquivalentTo(new Dictionary<string, string>
        {
            [SseCursor.Key("a")] = "1-1",
            [SseCursor.Key("c")] = "0123456789abcdef-5",
            [SseCursor.Key("d")] = "0123456789abcdef-17",
        }, "a channel without a position yet is not in the cursor");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("t1")]
    [InlineData("t2.AAAAAAAA~1-1")]
    [InlineData("t1.AAAAAAAA~1-1.")]
    [InlineData("t1.AAAAAAAA~")]
    [InlineData("t1.AAAAAAA~1-1")]
    [InlineData("t1.AAAAAAAA-1-1")]
    [InlineData("t1.AAAAAAAA~1 1")]
    [InlineData("t1.AAAAAAAA~1-1\u00e9")]
    [InlineData("t1.AAAAAAAA~1-1.AAAAAAAA~1-2")]
    [InlineData("0123456789abcdef-1")]
    public void Parse_AnythingElse_IsNotACursor(string? text)
    {
        SseCursor.Parse(text).Should().BeNull();
    }

    [Fact]
    public void Parse_LongerThanTheLimitOrAPositionTooLong_IsNotACursor()
    {
        SseCursor.Parse("t1" + string.Concat(Enumerable.Repeat(".AAAAAAAA~1-1", 400))).Should().BeNull("duplicate keys aside, it is over 4096 characters");
        SseCursor.Parse("t1.AAAAAAAA~" + new string('1', 65)).Should().BeNull();
        SseCursor.Parse("t1.AAAAAAAA~" + new string('1', 64)).Should().NotBeNull();
    }

    [Fact]
    public void Advance_FrameOfAChannel_MovesOnlyThatChannel()
    {
        var cursor = new SseCursor(["a", "b"]);
        cursor.Set(0, "1-1");
        cursor.Set(1, "1-2");

        cursor.Advance(new SseChannelFrame("2-0", 0, [], 0, "b"));
        cursor.Advance(new SseChannelFrame("9-9", 0, [], 0, null));
        cursor.Advance(new SseChannelFrame("9-9", 0, [], 0, "elsewhere"));

        cursor.PositionOf(0).Should().Be("1-1");
        cursor.PositionOf(1).Should().Be("2-0");
    }

    [Fact]
    public void Bytes_PositionsMovedToIdsOfTheSameOrAnotherLength_AlwaysTheWholeCursor()
    {
        var cursor = new SseCursor(["a", "b"]);
        cursor.Set(0, "1-1");
        cursor.Set(1, "5-5");
        var (a, b) = (SseCursor.Key("a"), SseCursor.Key("b"));

        // Too short to share anything worth writing once.
        Encoding.ASCII.GetString(cursor.Bytes).Should().Be($"t1.{a}~1-1.{b}~5-5");

        cursor.Advance(new SseChannelFrame("1-2", 0, [], 0, "a"));
        Encoding.ASCII.GetString(cursor.Bytes).Should().Be($"t1.{a}~1-2.{b}~5-5", "a position of the same length is copied in place");

        cursor.Advance(new SseChannelFrame("5-10", 0, [], 0, "b"));
        cursor.Advance(new SseChannelFrame("1-3", 0, [], 0, "a"));
        Encoding.ASCII.GetString(cursor.Bytes).Should().Be($"t1.{a}~1-3.{b}~5-10");

        cursor.Set(0, null);
        Encoding.ASCII.GetString(cursor.Bytes).Should().Be($"t1.{b}~5-10");
    }

    [Fact]
    public void Bytes_PositionsThatShareABeginning_WriteItOnceAndStayExactAsTheyMove()
    {
        var cursor = new SseCursor(["a", "b"]);
        var (a, b) = (SseCursor.Key("a"), SseCursor.Key("b"));
        cursor.Set(0, "0123456789abcdef-100");
        cursor.Set(1, "0123456789abcdef-7");
        Encoding.ASCII.GetString(cursor.Bytes).Should().Be($"t1*0123456789abcdef-.{a}~100.{b}~7");

        cursor.Advance(new SseChannelFrame("0123456789abcdef-101", 0, [], 0, "a"));
        Encoding.ASCII.GetString(cursor.Bytes).Should().Be($"t1*0123456789abcdef-.{a}~101.{b}~7");

        cursor.Advance(new SseChannelFrame("fedcba9876543210-1", 0, [], 0, "b"));
        Encoding.ASCII.GetString(cursor.Bytes).Should().Be($"t1.{a}~0123456789abcdef-101.{b}~fedcba9876543210-1", "nothing shared is left");
        SseCursor.Parse(cursor.ToString())!.Values.Should().BeEquivalentTo(["0123456789abcdef-101", "fedcba9876543210-1"]);
    }

    [Fact]
    public void Key_IsEightBase64UrlCharactersAndDependsOnTheWholeName()
    {
        SseCursor.Key("chat").Should().MatchRegex("^[A-Za-z0-9_-]{8}$");
        SseCursor.Key("chat").Should().NotBe(SseCursor.Key("chat2"));
        SseCursor.Key(new string('x', 256)).Should().HaveLength(8);
    }
}
