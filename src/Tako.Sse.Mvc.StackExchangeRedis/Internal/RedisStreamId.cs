using System.Globalization;

namespace Tako.Sse.Mvc;

/// <summary>
/// A Redis stream entry id, <c>&lt;milliseconds&gt;-&lt;sequence&gt;</c>: the SSE id of every event of the Redis
/// hub. Ids of one stream grow strictly, so comparing them orders events, finds duplicates and finds gaps.
/// </summary>
internal readonly record struct RedisStreamId(ulong Milliseconds, ulong Sequence) : IComparable<RedisStreamId>
{
    /// <summary>The id before every entry: where a stream that does not exist (yet) stands.</summary>
    public static readonly RedisStreamId Zero = default;

    public bool IsZero => Milliseconds == 0 && Sequence == 0;

    public static bool operator <(RedisStreamId left, RedisStreamId right) => left.CompareTo(right) < 0;

    public static bool operator >(RedisStreamId left, RedisStreamId right) => left.CompareTo(right) > 0;

    public static bool operator <=(RedisStreamId left, RedisStreamId right) => left.CompareTo(right) <= 0;

    public static bool operator >=(RedisStreamId left, RedisStreamId right) => left.CompareTo(right) >= 0;

    /// <summary>
    /// Parses an id strictly: two runs of decimal digits joined by one hyphen, no sign, space or leading zero.
    /// A client's <c>Last-Event-ID</c> that fails this is malformed (an <c>unknown</c> gap), never an error.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out RedisStreamId id)
    {
        id = default;
        var hyphen = text.IndexOf('-');
        if (hyphen < 0
            || !TryParsePart(text[..hyphen], out var milliseconds)
            || !TryParsePart(text[(hyphen + 1)..], out var sequence))
        {
            return false;
        }

        id = new RedisStreamId(milliseconds, sequence);
        return true;
    }

    public static RedisStreamId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a Redis stream id.");

    public int CompareTo(RedisStreamId other)
    {
        var byTime = Milliseconds.CompareTo(other.Milliseconds);
        return byTime != 0 ? byTime : Sequence.CompareTo(other.Sequence);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Milliseconds}-{Sequence}");

    private static bool TryParsePart(ReadOnlySpan<char> digits, out ulong value)
    {
        value = 0;
        return digits.Length is > 0 and <= 20
            && (digits[0] != '0' || digits.Length == 1)
            && ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
