using CsCheck;
using static Tako.Sse.Mvc.Tests.SseRoundTrip;

// Namespace of the root, not of the folder: a Tests.Encoding namespace would hide System.Text.Encoding.
namespace Tako.Sse.Mvc.Tests;

/// <summary>
/// Every string goes through the encoder and comes back through .NET's independent <c>SseParser</c>. What comes
/// back is <see cref="SseRoundTrip.Expected"/> of the input: line breaks as LF (SSE cannot carry
/// CR) and lone surrogates as U+FFFD (UTF-8 cannot carry them; every .NET UTF-8 encoder does the same).
/// Everything else, including NUL, U+2028, U+2029, leading spaces and colons, comes back exactly.
/// </summary>
public class SseEncoderRoundTripTests
{
    public static TheoryData<string> Corpus() =>
    [
        "",
        "hello",
        "a\r\nb",
        "a\rb",
        "a\nb",
        "\r\n",
        "\r",
        "\n",
        "end\r",
        "end\n",
        "end\r\n",
        "\r\r\n\n\r",
        "\n\nevent:click\n\n",
        "\n\nid: 666\nretry: 1\n\ndata: injected",
        "data: x",
        "event: x",
        " leading space",
        "  two leading spaces",
        ":leading colon",
        ": comment-looking",
        "trailing space ",
        "\0",
        "a\0b",
        "\u2028\u2029\u0085\f\v\t",
        "😀 surrogate pair 𝄞",
        "\uD83D\uDE00\r\n\uD834\uDD1E",
        "\uD800",
        "a\uD800b",
        "lone low \uDC00",
        "\uDC00\uD800",
        "\uD800\n\uDC00",
        "\uD83D\r\uDE00",
        "\uFEFFbom first",
        "é€ü ß 中文 العربية",
        new string('x', 64 * 1024),
        string.Concat(Enumerable.Repeat("line of text\r\n", 5000)),
        string.Concat(Enumerable.Repeat("é€😀\uD800\n", 10_000)),
    ];

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Encode_CorpusData_ParsesBackExpectedData(string data)
    {
        var items = Parse(Encode(SseEvent.FromData(data)));

        items.Should().ContainSingle();
        items[0].Data.Should().Be(Expected(data));
        items[0].EventType.Should().Be("message");
        items[0].EventId.Should().BeNull();
        items[0].ReconnectionInterval.Should().BeNull();
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Encode_CorpusWithEventAndId_ParsesBackAllFields(string data)
    {
        var name = "greeting " + StripBreaks(data);
        var id = "id " + StripBreaks(data).Replace('\0', '0');

        var items = Parse(Encode(SseEvent.FromData(data).WithEvent(name).WithId(id).WithRetry(TimeSpan.FromMilliseconds(1234))));

        items.Should().ContainSingle();
        items[0].Data.Should().Be(Expected(data));
        items[0].EventType.Should().Be(ReplaceLoneSurrogates(name));
        items[0].EventId.Should().Be(ReplaceLoneSurrogates(id));
        items[0].ReconnectionInterval.Should().Be(TimeSpan.FromMilliseconds(1234));
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Encode_CorpusComment_IsInvisibleToParser(string comment)
    {
        var items = Parse(Encode(SseEvent.FromComment(comment)));

        items.Should().BeEmpty();
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Encode_CorpusCommentBeforeData_ParsesBackOnlyData(string text)
    {
        var items = Parse(Encode(SseEvent.FromData("payload").WithComment(text)));

        items.Should().ContainSingle().Which.Data.Should().Be("payload");
        items[0].EventType.Should().Be("message");
        items[0].EventId.Should().BeNull();
    }

    [Fact]
    public void Encode_EmptyEventName_ParsesBackAsMessage()
    {
        // Browsers read an empty event: field as the default type, but SseParser reads it as ""; the encoder
        // writes no event: line for an empty name, so every parser agrees on "message".
        Parse(Encode(SseEvent.FromData("x").WithEvent(""))).Should().ContainSingle().Which.EventType.Should().Be("message");
    }

    [Fact]
    public void Encode_EmptyId_ParsesBackEmptyId() =>
        Parse(Encode(SseEvent.FromData("x").WithId(""))).Should().ContainSingle().Which.EventId.Should().BeEmpty();

    [Fact]
    public void Encode_GeneratedData_ParsesBackExpectedData()
    {
        Generated.Text.Sample(
            data =>
            {
                var items = Parse(Encode(SseEvent.FromData(data)));
                return items.Count == 1 && items[0].Data == Expected(data) && items[0].EventType == "message" && items[0].EventId is null;
            },
            iter: 10_000,
            threads: 1);
    }

    [Fact]
    public void Encode_LongGeneratedData_ParsesBackExpectedData()
    {
        // Long enough to cross the encoder's 32-byte scan blocks and its 2048-char transcoding chunks.
        Generated.LongText.Sample(
            data => Parse(Encode(SseEvent.FromData(data))) is [var item] && item.Data == Expected(data),
            iter: 300,
            threads: 1);
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\r")]
    [InlineData("\n")]
    [InlineData("😀")]
    [InlineData("\uD800")]
    [InlineData("é\r\n€")]
    public void Encode_SpecialAtEveryOffsetNearBoundaries_ParsesBackExpectedData(string special)
    {
        // Each offset puts the special text across a scan-block or transcoding-chunk boundary once.
        foreach (var offset in Enumerable.Range(0, 70).Concat(Enumerable.Range(2030, 30)).Concat(Enumerable.Range(4080, 30)))
        {
            var data = new string('a', offset) + special + new string('b', 40) + special;
            Parse(Encode(SseEvent.FromData(data))).Should().ContainSingle().Which.Data.Should().Be(Expected(data), "at offset {0}", offset);
        }
    }

    [Fact]
    public void Encode_GeneratedEvents_ParsesBackEveryField()
    {
        Gen.Select(Generated.Text, Generated.Text, Generated.Name, Generated.Id, Gen.Int[0, int.MaxValue]).Sample(
            (data, comment, name, id, retry) =>
            {
                var evt = SseEvent.FromData(data).WithComment(comment).WithEvent(name).WithId(id).WithRetry(TimeSpan.FromMilliseconds(retry));
                var items = Parse(Encode(evt));
                var expectedName = name.Length == 0 ? "message" : ReplaceLoneSurrogates(name);
                return items.Count == 1
                    && items[0].Data == Expected(data)
                    && items[0].EventType == expectedName
                    && items[0].EventId == ReplaceLoneSurrogates(id)
                    && items[0].ReconnectionInterval == TimeSpan.FromMilliseconds(retry);
            },
            iter: 10_000,
            threads: 1);
    }

    [Fact]
    public void Encode_GeneratedSequence_ParsesBackOneItemPerDataEvent()
    {
        // Many events in one stream: none may bleed into the next, and comment-only events add nothing.
        Gen.Select(Generated.Text, Generated.Text).Array[1, 8].Sample(
            pairs =>
            {
                var bytes = pairs.SelectMany(p => Encode(SseEvent.FromComment(p.Item2)).Concat(Encode(SseEvent.FromData(p.Item1)))).ToArray();
                var items = Parse(bytes);
                return items.Select(i => i.Data).SequenceEqual(pairs.Select(p => Expected(p.Item1)));
            },
            iter: 2_000,
            threads: 1);
    }

    private static string StripBreaks(string text) => text.Length > 200 ? "long" : text.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal);

    /// <summary>Generators biased toward what breaks SSE encoders: line breaks, field names, colons, spaces, surrogates.</summary>
    private static class Generated
    {
        private static readonly Gen<string> Piece = Gen.Frequency(
            (4, Gen.Char['a', 'z'].Select(c => c.ToString())),
            (3, Gen.OneOfConst("\r\n", "\r", "\n", "\n\n")),
            (2, Gen.OneOfConst(":", " ", "data:", "data: ", "event:", "id:", "retry:", "\0", "\t")),
            (2, Gen.OneOfConst("\u2028", "\u2029", "\u0085", "é", "€", "😀", "\uFEFF", "\uFFFD")),
            (1, Gen.OneOfConst("\uD800", "\uDBFF", "\uDC00", "\uDFFF")),
            (1, Gen.Char.Select(c => c.ToString())));

        public static readonly Gen<string> Text = Piece.Array[0, 40].Select(string.Concat);

        public static readonly Gen<string> LongText = Piece.Array[500, 3000].Select(string.Concat);

        public static readonly Gen<string> Line = Text.Select(t => t.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal));

        // Event names and ids refuse lone surrogates (they would reach the client as U+FFFD, a different value).
        public static readonly Gen<string> Name = Line.Select(ReplaceLoneSurrogates);

        public static readonly Gen<string> Id = Name.Select(t => t.Replace("\0", "", StringComparison.Ordinal));
    }
}
