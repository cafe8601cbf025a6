namespace Tako.Sse.Mvc;

/// <summary>
/// One Server-Sent Event: any of a comment, an <c>event:</c> name, an <c>id:</c>, a <c>retry:</c> hint and a
/// <c>data:</c> payload. Build it with <see cref="FromData(string)"/>, <see cref="FromComment(string)"/> or
/// <see cref="FromRetry(TimeSpan)"/> and refine it with the <c>With…</c> methods; each returns a new value.
/// </summary>
/// <remarks>
/// <para>
/// Every value is checked when it is set, so an <see cref="SseEvent"/> can never carry a field that would
/// corrupt the stream: an event name containing CR or LF, an id containing CR, LF or NUL, either of them
/// containing a lone surrogate (which UTF-8 cannot carry, so the client would get a different value), or a
/// negative retry throws <see cref="ArgumentException"/>. Data and comments may contain any text; the encoder splits
/// them into one line per line of text, so they cannot inject fields either.
/// </para>
/// <para>
/// <c>default(SseEvent)</c> has no field set and encodes to nothing.
/// </para>
/// </remarks>
public readonly struct SseEvent : IEquatable<SseEvent>
{
    // Retry is kept as whole milliseconds; -1 means "not set". A long keeps the struct small and the
    // encoder free of TimeSpan arithmetic.
    private const long NoRetry = -1;

    private readonly string? _data;
    private readonly string? _comment;
    private readonly string? _event;
    private readonly string? _id;
    private readonly long _retryMilliseconds;
    private readonly bool _hasRetry;

    private SseEvent(string? data, string? comment, string? eventName, string? id, long retryMilliseconds)
    {
        _data = data;
        _comment = comment;
        _event = eventName;
        _id = id;
        _hasRetry = retryMilliseconds != NoRetry;
        _retryMilliseconds = _hasRetry ? retryMilliseconds : 0;
    }

    /// <summary>Gets the <c>data:</c> payload, or <see langword="null"/> when the event has none.</summary>
    public string? Data => _data;

    /// <summary>Gets the comment, or <see langword="null"/> when the event has none.</summary>
    public string? Comment => _comment;

    /// <summary>Gets the <c>event:</c> name, or <see langword="null"/> when the event has none.</summary>
    public string? Event => _event;

    /// <summary>Gets the <c>id:</c> value, or <see langword="null"/> when the event has none.</summary>
    public string? Id => _id;

    /// <summary>Gets the <c>retry:</c> hint in whole milliseconds, or <see langword="null"/> when the event has none.</summary>
    public TimeSpan? Retry => _hasRetry ? TimeSpan.FromMilliseconds(_retryMilliseconds) : null;

    /// <summary>Gets the <c>retry:</c> hint in whole milliseconds, or -1 when the event has none.</summary>
    internal long RetryMilliseconds => _hasRetry ? _retryMilliseconds : NoRetry;

    /// <summary>Gets a value indicating whether no field is set, as in <c>default(SseEvent)</c>.</summary>
    internal bool IsEmpty => _data is null && _comment is null && _event is null && _id is null && !_hasRetry;

    /// <summary>
    /// Creates an event carrying a <c>data:</c> payload. A multi-line payload becomes one <c>data:</c> line per
    /// line (split at CRLF, CR and LF); the browser joins them back with LF.
    /// </summary>
    /// <param name="data">The payload; any text, including line breaks.</param>
    /// <returns>The event.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is <see langword="null"/>.</exception>
    public static SseEvent FromData(string data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new SseEvent(data, null, null, null, NoRetry);
    }

    /// <summary>
    /// Creates an event carrying only a comment (<c>: text</c>). Comments are invisible to <c>EventSource</c>;
    /// they keep intermediaries from timing the connection out and help when reading raw streams.
    /// </summary>
    /// <param name="comment">The comment; any text, including line breaks (one comment line per line).</param>
    /// <returns>The event.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="comment"/> is <see langword="null"/>.</exception>
    public static SseEvent FromComment(string comment)
    {
        ArgumentNullException.ThrowIfNull(comment);
        return new SseEvent(null, comment, null, null, NoRetry);
    }

    /// <summary>Creates an event carrying only a <c>retry:</c> reconnection-delay hint.</summary>
    /// <param name="retry">The delay the browser should wait before reconnecting; sent in whole milliseconds.</param>
    /// <returns>The event.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="retry"/> is negative.</exception>
    public static SseEvent FromRetry(TimeSpan retry) => new(null, null, null, null, ToRetryMilliseconds(retry, nameof(retry)));

    /// <summary>
    /// Returns a copy of this event with the <c>event:</c> name set. An empty name is not written: the client
    /// sees the default type, <c>message</c>, as a browser would for an empty <c>event:</c> field.
    /// </summary>
    /// <param name="name">The event name the client listens for with <c>addEventListener(name, …)</c>.</param>
    /// <returns>The new event.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> contains CR, LF or a lone surrogate.</exception>
    public SseEvent WithEvent(string name)
    {
        ValidateEventName(name, nameof(name));
        return new SseEvent(_data, _comment, name, _id, RetryMilliseconds);
    }

    /// <summary>
    /// Returns a copy of this event with the <c>id:</c> set. The browser sends the last id it saw back as the
    /// <c>Last-Event-ID</c> request header when it reconnects.
    /// </summary>
    /// <param name="id">The event id.</param>
    /// <returns>The new event.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="id"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="id"/> contains CR, LF or NUL (a browser ignores such an id), or a lone surrogate (it
    /// would reach the client, and come back as <c>Last-Event-ID</c>, as U+FFFD: a different id).
    /// </exception>
    public SseEvent WithId(string id)
    {
        ValidateId(id, nameof(id));
        return new SseEvent(_data, _comment, _event, id, RetryMilliseconds);
    }

    /// <summary>Returns a copy of this event with the <c>retry:</c> hint set.</summary>
    /// <param name="retry">The delay the browser should wait before reconnecting; sent in whole milliseconds.</param>
    /// <returns>The new event.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="retry"/> is negative.</exception>
    public SseEvent WithRetry(TimeSpan retry) => new(_data, _comment, _event, _id, ToRetryMilliseconds(retry, nameof(retry)));

    /// <summary>Returns a copy of this event with a comment set; it is written before the other fields.</summary>
    /// <param name="comment">The comment; any text, including line breaks (one comment line per line).</param>
    /// <returns>The new event.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="comment"/> is <see langword="null"/>.</exception>
    public SseEvent WithComment(string comment)
    {
        ArgumentNullException.ThrowIfNull(comment);
        return new SseEvent(_data, comment, _event, _id, RetryMilliseconds);
    }

    /// <inheritdoc />
    public bool Equals(SseEvent other) =>
        string.Equals(_data, other._data, StringComparison.Ordinal)
        && string.Equals(_comment, other._comment, StringComparison.Ordinal)
        && string.Equals(_event, other._event, StringComparison.Ordinal)
        && string.Equals(_id, other._id, StringComparison.Ordinal)
        && RetryMilliseconds == other.RetryMilliseconds;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SseEvent other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() =>
        HashCode.Combine(
            _data is null ? 0 : StringComparer.Ordinal.GetHashCode(_data),
            _comment is null ? 0 : StringComparer.Ordinal.GetHashCode(_comment),
            _event is null ? 0 : StringComparer.Ordinal.GetHashCode(_event),
            _id is null ? 0 : StringComparer.Ordinal.GetHashCode(_id),
            RetryMilliseconds);

    /// <summary>Returns a short description of the event for logs and debuggers; not the wire format.</summary>
    /// <returns>The description.</returns>
    public override string ToString() =>
        $"SseEvent {{ Event = {_event ?? "(none)"}, Id = {_id ?? "(none)"}, Retry = {(_hasRetry ? _retryMilliseconds + " ms" : "(none)")}, Data = {(_data is null ? "(none)" : _data.Length + " chars")}, Comment = {(_comment is null ? "(none)" : _comment.Length + " chars")} }}";

    /// <summary>Compares two events field by field.</summary>
    /// <param name="left">The first event.</param>
    /// <param name="right">The second event.</param>
    /// <returns><see langword="true"/> when every field is equal.</returns>
    public static bool operator ==(SseEvent left, SseEvent right) => left.Equals(right);

    /// <summary>Compares two events field by field.</summary>
    /// <param name="left">The first event.</param>
    /// <param name="right">The second event.</param>
    /// <returns><see langword="true"/> when any field differs.</returns>
    public static bool operator !=(SseEvent left, SseEvent right) => !left.Equals(right);

    /// <summary>Throws unless <paramref name="name"/> can be written as one <c>event:</c> line.</summary>
    internal static void ValidateEventName(string name, string paramName)
    {
        ArgumentNullException.ThrowIfNull(name, paramName);
        if (name.AsSpan().ContainsAny('\r', '\n'))
        {
            throw new ArgumentException("An SSE event name cannot contain CR or LF.", paramName);
        }

        if (ContainsLoneSurrogate(name))
        {
            throw new ArgumentException("An SSE event name cannot contain a lone surrogate: UTF-8 cannot carry it, so no listener for the name would match.", paramName);
        }
    }

    // A high surrogate not followed by a low one, or a low one not preceded by a high one.
    private static bool ContainsLoneSurrogate(string value)
    {
        var span = value.AsSpan();
        var i = span.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (i < 0)
        {
            return false;
        }

        for (; i < span.Length; i++)
        {
            if (char.IsHighSurrogate(span[i]) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(span[i]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Throws unless <paramref name="id"/> can be written as one <c>id:</c> line a browser keeps.</summary>
    internal static void ValidateId(string id, string paramName)
    {
        ArgumentNullException.ThrowIfNull(id, paramName);
        if (id.AsSpan().ContainsAny('\r', '\n', '\0'))
        {
            throw new ArgumentException("An SSE event id cannot contain CR, LF or NUL.", paramName);
        }

        if (ContainsLoneSurrogate(id))
        {
            throw new ArgumentException("An SSE event id cannot contain a lone surrogate: UTF-8 cannot carry it, so the client would see a different id.", paramName);
        }
    }

    private static long ToRetryMilliseconds(TimeSpan retry, string paramName)
    {
        if (retry < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(paramName, retry, "An SSE retry delay cannot be negative.");
        }

        // Whole milliseconds: the field is an integer on the wire.
        return retry.Ticks / TimeSpan.TicksPerMillisecond;
    }
}
