namespace Tako.Sse.Mvc;

/// <summary>
/// How long a channel's stream outlives its last publication: every key the hub writes expires once its channel
/// is idle, whatever the options, so that short-lived channels (one per user, one per order) cannot pile up in
/// Redis. The script renews the expiry once per window of its lifetime (<see cref="RedisAppendScript.Window"/>),
/// setting it a window longer, so a key lives at least its lifetime after its channel's last event.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>With <see cref="SseChannelOptions.HistoryMaxAge"/> set: that age, as the history is gone by then.</item>
/// <item>Without an age limit: <see cref="WithoutAge"/> (a day), where the in-memory hub would keep the history
/// for the life of its process.</item>
/// <item>With <see cref="SseChannelOptions.HistorySize"/> 0 the stream holds one entry only, for the chain check
/// of the next publication (resume always gets a gap): at most <see cref="ChainOnly"/> (a minute). An entry that
/// expired is no loss: the next one starts a new chain, which every instance accepts.</item>
/// </list>
/// </remarks>
internal sealed class RedisKeyLifetime
{
    /// <summary>Gets or sets the lifetime of an idle channel's stream when no age limit is set. Default: one day.</summary>
    public TimeSpan WithoutAge { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Gets or sets the longest an idle channel's stream lives with <c>HistorySize = 0</c>. Default: one minute.</summary>
    public TimeSpan ChainOnly { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The expiry, in milliseconds (at least 1), for a channel with these options.</summary>
    public long Milliseconds(SseChannelOptions options)
    {
        var lifetime = options.HistoryMaxAge ?? WithoutAge;
        if (options.HistorySize == 0 && ChainOnly < lifetime)
        {
            lifetime = ChainOnly;
        }

        return Math.Max((long)lifetime.TotalMilliseconds, 1);
    }
}
