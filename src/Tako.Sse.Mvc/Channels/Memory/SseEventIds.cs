using System.Globalization;
using System.Security.Cryptography;

namespace Tako.Sse.Mvc;

/// <summary>
/// The hub's ids: <c>&lt;epoch&gt;-&lt;sequence&gt;</c>. The epoch is 16 lowercase hex digits drawn at random
/// when the hub is created (once per process), so an id from before a restart is recognized as foreign. The
/// sequence comes from one hub-wide counter, so ids grow with each publish and a channel that was removed and
/// re-created never hands out an id again: a client holding one from the old incarnation gets an
/// <c>expired</c> gap instead of a silent skip. Clients must treat ids as opaque.
/// </summary>
internal sealed class SseEventIds
{
    private const int EpochLength = 16;
    private const int MaxSequenceDigits = 19;
    private long _last;

    public SseEventIds()
        : this(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(EpochLength / 2)))
    {
    }

    public SseEventIds(string epoch) => Epoch = epoch;

    public string Epoch { get; }

    /// <summary>Gets the last sequence number handed out.</summary>
    public long Last => Volatile.Read(ref _last);

    public long Next() => Interlocked.Increment(ref _last);

    public string Format(long sequence) => string.Create(CultureInfo.InvariantCulture, $"{Epoch}-{sequence}");

    /// <summary>
    /// Classifies a client's id strictly: exactly this epoch, one hyphen, and a decimal sequence without sign,
    /// leading zero or anything else, no greater than the last one issued (0 is the position of a channel the
    /// hub had published nothing before).
    /// </summary>
    public SseEventIdKind Classify(string? id, out long sequence)
    {
        sequence = 0;
        if (string.IsNullOrEmpty(id))
        {
            return SseEventIdKind.None;
        }

        var span = id.AsSpan();
        if (span.Length < EpochLength + 2
            || span.Length > EpochLength + 1 + MaxSequenceDigits
            || span[EpochLength] != '-'
            || !span[..EpochLength].SequenceEqual(Epoch))
        {
            return SseEventIdKind.Unknown;
        }

        var digits = span[(EpochLength + 1)..];
        if ((digits[0] == '0' && digits.Length > 1)
            || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
            || parsed > Last)
        {
            return SseEventIdKind.Unknown;
        }

        sequence = parsed;
        return SseEventIdKind.Issued;
    }
}
