using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Tako.Sse.Mvc;

/// <summary>
/// The reconnection cursor a client sends back in <c>Last-Event-ID</c>: its raw bytes and, when they are
/// UTF-8, its text. In a minimal API a parameter of this type binds itself, with no attribute (see
/// <see cref="BindAsync"/>); in MVC bind it with <c>[FromLastEventId] LastEventId cursor</c> or
/// <c>[FromHeader(Name = "Last-Event-ID")] LastEventId? cursor</c>. The default value is the empty cursor.
/// </summary>
/// <remarks>Two cursors are equal when their bytes are equal.</remarks>
public readonly struct LastEventId : IEquatable<LastEventId>, IParsable<LastEventId>
{
    private readonly byte[]? _bytes;
    private readonly string? _text;

    /// <summary>Creates a cursor from text; leading and trailing ASCII whitespace is removed.</summary>
    /// <param name="text">The cursor, for example <c>42</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="text"/> is empty or whitespace only.</exception>
    public LastEventId(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!TryParse(text, null, out this))
        {
            throw new ArgumentException("A Last-Event-ID cannot be empty or whitespace only.", nameof(text));
        }
    }

    private LastEventId(byte[] bytes, string? text)
    {
        _bytes = bytes;
        _text = text;
    }

    /// <summary>Gets the cursor as text; <see langword="null"/> when its bytes are not UTF-8 or the cursor is empty.</summary>
    public string? Text => _text;

    /// <summary>Gets the bytes of the cursor as the client sent them (empty for the empty cursor).</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    /// <summary>Gets a value indicating whether this is the empty cursor (the default value).</summary>
    public bool IsEmpty => _bytes is null;

    /// <summary>Creates a cursor from raw bytes; leading and trailing ASCII whitespace is removed.</summary>
    /// <param name="bytes">The bytes, which need not be UTF-8.</param>
    /// <returns>The cursor; the empty cursor when <paramref name="bytes"/> is empty or whitespace only.</returns>
    public static LastEventId FromBytes(ReadOnlySpan<byte> bytes)
    {
        var trimmed = bytes.Trim(" \t\n\v\f\r"u8);
        return trimmed.IsEmpty ? default : FromTrimmedBytes(trimmed.ToArray());
    }

    /// <summary>Parses a cursor from text, as MVC model binding does.</summary>
    /// <param name="s">The text; leading and trailing ASCII whitespace is removed.</param>
    /// <param name="provider">Not used: a cursor does not depend on culture.</param>
    /// <returns>The cursor.</returns>
    /// <exception cref="FormatException"><paramref name="s"/> is empty or whitespace only.</exception>
    public static LastEventId Parse(string s, IFormatProvider? provider)
    {
        ArgumentNullException.ThrowIfNull(s);
        return TryParse(s, provider, out var result)
            ? result
            : throw new FormatException("A Last-Event-ID cannot be empty or whitespace only.");
    }

    /// <summary>Parses a cursor from text, as MVC model binding does.</summary>
    /// <param name="s">The text; leading and trailing ASCII whitespace is removed.</param>
    /// <param name="provider">Not used: a cursor does not depend on culture.</param>
    /// <param name="result">The cursor, or the empty cursor when parsing fails.</param>
    /// <returns><see langword="true"/> unless <paramref name="s"/> is null, empty or whitespace only.</returns>
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out LastEventId result)
    {
        var trimmed = LastEventIdReader.Trim(s);
        if (trimmed.IsEmpty)
        {
            result = default;
            return false;
        }

        var text = trimmed.Length == s!.Length ? s : trimmed.ToString();
        result = new LastEventId(Encoding.UTF8.GetBytes(text), text);
        return true;
    }

    /// <summary>
    /// Binds a minimal API parameter of this type, with no attribute: the <c>Last-Event-ID</c> header, or, when the
    /// request has none, the <c>lastEventId</c> query parameter (what <c>EventSource</c> polyfills send), trimmed.
    /// It never fails the request: a missing, empty or repeated value gives the empty cursor (or
    /// <see langword="null"/> for a <c>LastEventId?</c> parameter), so a browser is never answered with a 400.
    /// </summary>
    /// <param name="context">The request's context.</param>
    /// <param name="parameter">The parameter being bound.</param>
    /// <returns>The cursor.</returns>
    /// <example><c>app.MapGet("/feed", (LastEventId last) =&gt; SseActionResult.Subscribe("feed", last.Text));</c></example>
    public static ValueTask<LastEventId?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(parameter);
        var request = context.Request;
        var bytes = LastEventIdReader.GetBytes(request);
        if (bytes is null && LastEventIdReader.GetQueryText(request) is { } query)
        {
            bytes = Encoding.UTF8.GetBytes(query);
        }

        if (bytes is not null)
        {
            return new(FromTrimmedBytes(bytes));
        }

        // A null for a parameter that cannot be null would be the framework's 400.
        return new(Nullable.GetUnderlyingType(parameter.ParameterType) is null ? default(LastEventId) : null);
    }

    /// <inheritdoc />
    public bool Equals(LastEventId other) => Bytes.Span.SequenceEqual(other.Bytes.Span);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is LastEventId other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.AddBytes(Bytes.Span);
        return hash.ToHashCode();
    }

    /// <summary>Returns the text of the cursor, its bytes in hexadecimal when they are not UTF-8, or an empty string.</summary>
    /// <returns>The text for logs and diagnostics.</returns>
    public override string ToString() => _text ?? (_bytes is null ? string.Empty : Convert.ToHexString(_bytes));

    /// <summary>Compares two cursors by their bytes.</summary>
    /// <param name="left">The first cursor.</param>
    /// <param name="right">The second cursor.</param>
    /// <returns><see langword="true"/> when the bytes are equal.</returns>
    public static bool operator ==(LastEventId left, LastEventId right) => left.Equals(right);

    /// <summary>Compares two cursors by their bytes.</summary>
    /// <param name="left">The first cursor.</param>
    /// <param name="right">The second cursor.</param>
    /// <returns><see langword="true"/> when the bytes differ.</returns>
    public static bool operator !=(LastEventId left, LastEventId right) => !left.Equals(right);

    /// <summary>Wraps bytes that are already trimmed and owned by the new cursor.</summary>
    internal static LastEventId FromTrimmedBytes(byte[] bytes) => new(bytes, LastEventIdReader.DecodeUtf8(bytes));
}
