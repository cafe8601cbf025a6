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
/// What the entry and the announcement hold is <see cref="RedisProtocol"/>'s: the script writes the payload as
/// field <c>p</c>, the previous entry's id as field <c>v</c>, and announces <c>id \n previous \n payload</c>.
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
    // KEYS[1] stream; ARGV[1] MAXLEN, ARGV[2] max age in ms (0: none), ARGV[3] payload, ARGV[4] pub/sub channel,
    // ARGV[5] the publish command: SPUBLISH (sharded, on a cluster; the channel shares the key's slot) or PUBLISH,
    // ARGV[6] the key's expiry in ms (RedisKeyLifetime: always set, so an idle channel's key goes away),
    // ARGV[7] the age trim's window in ms, ARGV[8] the expiry's window in ms (see Windows).
    //
    // The age trim and the expiry run once per window of Redis's clock, not per event: only when the new entry's
    // id falls in another window than its predecessor's (or there is none). A busy channel then costs four
    // commands per event (this script, XREVRANGE, XADD and the announcement), where running both every time
    // made six. What the windows cost: an entry outlives the age by at most one age window, and the key is set
    // to expire one expiry window later than its lifetime, so it still lives at least the lifetime after the
    // channel's last event (the last renewal was less than a window before that event) and at most a window more.
    public const string Script = """
        local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
        local previous = '0-0'
        local before = -1
        if #newest > 0 then
          previous = newest[1][1]
          before = tonumber(string.match(previous, '^(%d+)-'))
        end
        local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'p', ARGV[3], 'v', previous)
        local ms = tonumber(string.match(id, '^(%d+)-'))
        local age = tonumber(ARGV[2])
        if age > 0 and ms > age then
          local window = tonumber(ARGV[7])
          if math.floor(ms / window) ~= math.floor(before / window) then
            redis.call('XTRIM', KEYS[1], 'MINID', '~', string.format('%.0f', ms - age))
          end
        end
        local renew = tonumber(ARGV[8])
        if math.floor(ms / renew) ~= math.floor(before / renew) then
          redis.call('PEXPIRE', KEYS[1], string.format('%.0f', tonumber(ARGV[6]) + renew))
        end
        redis.call(ARGV[5], ARGV[4], id .. '\n' .. previous .. '\n' .. ARGV[3])
        return id
        """;

    /// <summary>
    /// The length of a window of the age trim and of the expiry's renewal: an eighth of the age, or of the
    /// key's lifetime (at least a millisecond).
    /// </summary>
    public static long Window(long milliseconds) => Math.Max(milliseconds / 8, 1);

    /// <summary>Appends an event (its <see cref="RedisProtocol.Serialize"/> payload) to the channel's stream and announces it; returns its id.</summary>
    public static async Task<string> AppendAsync(IDatabaseAsync database, RedisKeys keys, string channel, byte[] payload, SseChannelOptions options, bool sharded, long expiryMs)
    {
        // MAXLEN 0 would leave no entry to chain the next one to; HistorySize 0 is honored by the hub instead
        // (every resume gets a gap), and one entry per channel is what that costs.
        var maxLength = Math.Max(options.HistorySize, 1);
        var maxAge = options.HistoryMaxAge is { } age ? Math.Max((long)age.TotalMilliseconds, 1) : 0;
        var result = await database.ScriptEvaluateAsync(
            Script,
            [keys.Stream(channel)],
            [maxLength, maxAge, payload, keys.Name(channel), sharded ? "SPUBLISH" : "PUBLISH", expiryMs, Window(maxAge), Window(expiryMs)]).ConfigureAwait(false);
        return (string)result!;
    }
}
