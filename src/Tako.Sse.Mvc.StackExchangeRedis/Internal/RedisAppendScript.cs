using System.Globalization;
using StackExchange.Redis;

namespace Tako.Sse.Mvc;

/// <summary>
/// Append and announce in one step: a Lua script that adds the event to the channel's stream, trims the
/// stream, and publishes the new entry on the channel's pub/sub channel (<c>SPUBLISH</c> on a cluster, see
/// <see cref="RedisPubSubMode"/>; the hash tag of <see cref="RedisKeys"/> puts both in one slot). Redis runs a script alone, so the
/// order of the stream is the order of the announcements, the same on every instance.
/// </summary>
/// <remarks>
/// <para>
/// Each entry holds <c>p</c>, the event (<see cref="RedisEventPayload"/>), and <c>v</c>, the id of the entry
/// before it (<c>0-0</c> for the first one of a stream). The announcement is <c>id \n previous \n payload</c>.
/// With the previous id an instance knows exactly whether it missed anything: an announcement or a read range
/// that does not follow on from the last entry it delivered means events in between (lost while its pub/sub
/// connection was down, or trimmed).
/// </para>
/// <para>
/// Trimming is approximate (<c>MAXLEN ~</c>, <c>MINID ~</c>): Redis removes whole internal nodes only, so a
/// stream keeps at least <see cref="SseChannelOptions.HistorySize"/> entries and the ones younger than
/// <see cref="SseChannelOptions.HistoryMaxAge"/>, sometimes a few more (up to a node, 100 entries by default).
/// The age cut-off is computed from the new entry's id, which is Redis's clock, so the instances' clocks play
/// no part. The key expires once the channel has been silent for a while, whatever the options (see
/// <see cref="RedisKeyLifetime"/>).
/// </para>
/// </remarks>
internal static class RedisAppendScript
{
    public const string PayloadField = "p";
    public const string PreviousField = "v";

    // KEYS[1] stream; ARGV[1] MAXLEN, ARGV[2] max age in ms (0: none), ARGV[3] payload, ARGV[4] pub/sub channel,
    // ARGV[5] the publish command: SPUBLISH (sharded, on a cluster; the channel shares the key's slot) or PUBLISH,
    // ARGV[6] the key's expiry in ms (RedisKeyLifetime: always set, so an idle channel's key goes away).
    public const string Script = """
        local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
        local previous = '0-0'
        if #newest > 0 then previous = newest[1][1] end
        local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'p', ARGV[3], 'v', previous)
        local age = tonumber(ARGV[2])
        if age > 0 then
          local ms = tonumber(string.match(id, '^(%d+)-'))
          if ms > age then
            redis.call('XTRIM', KEYS[1], 'MINID', '~', string.format('%.0f', ms - age))
          end
        end
        redis.call('PEXPIRE', KEYS[1], ARGV[6])
        redis.call(ARGV[5], ARGV[4], id .. '\n' .. previous .. '\n' .. ARGV[3])
        return id
        """;

    public static async Task<string> AppendAsync(IDatabaseAsync database, RedisKeys keys, string channel, byte[] payload, SseChannelOptions options, bool sharded, long expiryMs)
    {
        // MAXLEN 0 would leave no entry to chain the next one to; HistorySize 0 is honored by the hub instead
        // (every resume gets a gap), and one entry per channel is what that costs.
        var maxLength = Math.Max(options.HistorySize, 1);
        var maxAge = options.HistoryMaxAge is { } age ? Math.Max((long)age.TotalMilliseconds, 1) : 0;
        var result = await database.ScriptEvaluateAsync(
            Script,
            [keys.Stream(channel)],
            [maxLength, maxAge, payload, keys.Name(channel), sharded ? "SPUBLISH" : "PUBLISH", expiryMs]).ConfigureAwait(false);
        return (string)result!;
    }

    /// <summary>Splits an announcement into the entry's id, the previous entry's id and the payload.</summary>
    public static bool TryParseAnnouncement(byte[]? message, out RedisStreamId id, out RedisStreamId previous, out ReadOnlyMemory<byte> payload)
    {
        id = previous = default;
        payload = default;
        if (message is null)
        {
            return false;
        }

        var first = Array.IndexOf(message, (byte)'\n');
        var second = first < 0 ? -1 : Array.IndexOf(message, (byte)'\n', first + 1);
        if (second < 0
            || !TryParseAscii(message.AsSpan(0, first), out id)
            || !TryParseAscii(message.AsSpan(first + 1, second - first - 1), out previous))
        {
            return false;
        }

        payload = message.AsMemory(second + 1);
        return true;
    }

    /// <summary>Reads an entry of a stream this hub wrote.</summary>
    public static bool TryReadEntry(StreamEntry entry, out RedisStreamId id, out RedisStreamId previous, out byte[] payload)
    {
        previous = default;
        payload = [];
        if (!RedisStreamId.TryParse((string?)entry.Id, out id))
        {
            return false;
        }

        var before = entry[PreviousField];
        var bytes = (byte[]?)entry[PayloadField];
        if (bytes is null || before.IsNull || !RedisStreamId.TryParse((string?)before, out previous))
        {
            return false;
        }

        payload = bytes;
        return true;
    }

    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static bool TryParseAscii(ReadOnlySpan<byte> ascii, out RedisStreamId id)
    {
        Span<char> chars = stackalloc char[Math.Min(ascii.Length, 48)];
        if (ascii.Length > chars.Length)
        {
            id = default;
            return false;
        }

        for (var i = 0; i < ascii.Length; i++)
        {
            chars[i] = (char)ascii[i];
        }

        return RedisStreamId.TryParse(chars, out id);
    }
}
