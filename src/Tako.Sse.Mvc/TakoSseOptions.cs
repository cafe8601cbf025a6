namespace Tako.Sse.Mvc;

/// <summary>
/// Options of the shared <see cref="ISseEncoder"/> and of every <see cref="SseActionResult"/>. Set them with
/// <c>services.AddTakoSse(o => …)</c> or in configuration under <c>Tako:Sse</c>. They are validated when the
/// application starts: a bad value, or a key under <c>Tako:Sse</c> that matches no option, stops start-up with a
/// message that names it.
/// </summary>
/// <remarks>
/// Durations are at most one hour. In configuration they are written <c>hh:mm:ss</c> (<c>"00:00:15"</c>); a bare
/// number is a number of days (<c>"2"</c> is two days, and is rejected). An empty value or <c>"off"</c> turns a
/// duration off, as <see langword="null"/> does in code.
/// </remarks>
public sealed class TakoSseOptions
{
    /// <summary>The configuration section the options are bound from: <c>Tako:Sse</c>.</summary>
    public const string SectionName = "Tako:Sse";

    /// <summary>
    /// Gets or sets how long a stream may stay silent before a keep-alive comment is written. Every event
    /// resets the timer, so busy streams never send one. <see langword="null"/> (or zero) turns keep-alive off;
    /// a negative value or one longer than an hour fails start-up. Default: 15 seconds.
    /// </summary>
    public TimeSpan? KeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Gets or sets the text of the keep-alive comment; the frame is <c>:</c> + this text + a blank line. It
    /// cannot contain CR or LF. Default: <c>keepalive</c>, which gives <c>:keepalive\n\n</c>.
    /// </summary>
    public string KeepAliveComment { get; set; } = "keepalive";

    /// <summary>
    /// Gets or sets the reconnection delay sent as <c>retry:</c> at the start of every stream;
    /// <see langword="null"/> sends none. A negative value or one longer than an hour fails start-up. Default:
    /// <see langword="null"/>.
    /// </summary>
    public TimeSpan? Retry { get; set; }

    /// <summary>
    /// Gets or sets the <c>Cache-Control</c> header of event streams. It cannot be empty or contain a line break.
    /// Default: <c>no-cache, no-store, must-revalidate</c>.
    /// </summary>
    public string CacheControl { get; set; } = "no-cache, no-store, must-revalidate";

    /// <summary>
    /// Gets or sets how long a write (events or a keep-alive) may wait for the client to take it. A client that
    /// has not taken a write within this time is treated as gone: the source's cancellation token fires, the
    /// source is disposed and the connection is aborted. This ends dead readers that Kestrel's
    /// <c>MinResponseDataRate</c> lets live for hours (or forever, when it is turned off).
    /// <see langword="null"/> or zero turns it off; a negative value or one longer than an hour fails start-up.
    /// Default: 30 seconds.
    /// </summary>
    public TimeSpan? WriteTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets whether a stream ends when the authentication of its request expires. When it is on, a
    /// response whose authentication carries an expiry (<c>AuthenticateResult.Properties.ExpiresUtc</c>, as
    /// cookie and JWT bearer authentication set it) ends cleanly at that moment, measured on the registered
    /// <see cref="TimeProvider"/>: the response completes normally, the source is disposed and a channel
    /// subscription leaves its channel. A credential already expired when the stream starts ends it just after
    /// the headers. The browser then reconnects with <c>Last-Event-ID</c>, resuming with a renewed credential or
    /// getting <c>401</c>. Requests with no expiry are not affected. Default: <see langword="true"/>.
    /// </summary>
    public bool CloseOnAuthenticationExpiration { get; set; } = true;

    /// <summary>
    /// Gets the options of the channels of <see cref="ISseHub"/> (history, subscriber queues, slow subscribers,
    /// the gap event), bound from the <c>Tako:Sse:Channels</c> configuration section.
    /// </summary>
    public SseChannelOptions Channels { get; } = new();
}
