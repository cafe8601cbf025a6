using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Tako.Sse.Mvc;

/// <summary>
/// The <c>id:</c> of every event on a stream of several channels: the position of each channel of the
/// subscription as of that event. <c>t1</c>; then, when the positions share a beginning (the in-memory hub's
/// epoch, a Redis id's leading digits), <c>*</c> and that shared part; then for each channel with a position
/// <c>.</c>, an 8-character key (the first 48 bits of the SHA-256 of its name, base64url), <c>~</c> and the rest
/// of its position (the channel's own id, without the shared part).
/// </summary>
/// <remarks>
/// <para>
/// Keys, not names, so the size does not depend on the names; the shared part is written once, so 32 channels
/// of one in-memory hub cost little more than 32 Redis ids (measured in the unit tests; see
/// <c>docs/channels.md</c>). A client treats it as opaque and sends it back as <c>Last-Event-ID</c>;
/// <see cref="Parse"/> reads it strictly.
/// </para>
/// <para>
/// The positions are the reader's: the subscriber advances them as it hands each frame to the stream loop, and
/// the loop writes the cursor into that frame before it asks for the next one. Nothing else touches them once
/// the subscription has started, so no lock is needed.
/// </para>
/// </remarks>
internal sealed class SseCursor
{
    /// <summary>The longest <c>Last-Event-ID</c> read as a cursor; a longer one is malformed.</summary>
    public const int MaxLength = 4096;

    /// <summary>The longest position in a cursor; ids of both hubs are far shorter.</summary>
    public const int MaxPositionLength = 64;

    private const string Version = "t1";
    private const int KeyLength = 8;

    // A shared part shorter than this is not worth its "*" and is not written.
    private const int MinShared = 4;

    // Base64url characters: what keys and both hubs' ids are made of.
    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    private readonly string[] _channels;
    private readonly string[] _keys;
    private readonly string?[] _positions;

    // The cursor as written, kept between frames: a frame moves one channel's position, usually to an id of the
    // same length that still starts with the shared part, whose rest is then copied over the old one in place
    // instead of writing the whole cursor again.
    private readonly int[] _offsets;
    private byte[] _text = [];
    private int _length = -1;
    private string _shared = string.Empty;

    /// <param name="channels">The subscription's channels; a slot is an index into it.</param>
    public SseCursor(string[] channels)
    {
        _channels = channels;
        _keys = new string[channels.Length];
        _positions = new string?[channels.Length];
        _offsets = new int[channels.Length];
        for (var i = 0; i < channels.Length; i++)
        {
            _keys[i] = Key(channels[i]);
        }
    }

    /// <summary>Gets the number of channels.</summary>
    public int Count => _channels.Length;

    /// <summary>Gets the cursor's length in bytes (it is ASCII).</summary>
    public int Length => Bytes.Length;

    /// <summary>Gets the cursor as ASCII bytes, valid until its next change.</summary>
    public ReadOnlySpan<byte> Bytes
    {
        get
        {
            if (_length < 0)
            {
                Render();
            }

            return _text.AsSpan(0, _length);
        }
    }

    /// <summary>Gets a channel's key in a cursor.</summary>
    public static string Key(string channel)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(channel), hash);
        return Convert.ToBase64String(hash[..6]).Replace('+', '-').Replace('/', '_');
    }

    /// <summary>
    /// Reads a client's cursor: its positions by key, or <see langword="null"/> when it is not a cursor of ours
    /// (malformed, foreign, longer than <see cref="MaxLength"/>, a key twice, or no position at all).
    /// </summary>
    public static Dictionary<string, string>? Parse(string? text)
    {
        if (text is null || text.Length > MaxLength || !text.StartsWith(Version, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = text.AsSpan(Version.Length);
        var shared = ReadOnlySpan<char>.Empty;
        if (rest.StartsWith('*'))
        {
            var end = rest.IndexOf('.');
            shared = end < 0 ? rest[1..] : rest[1..end];
            rest = end < 0 ? default : rest[end..];
            if (!IsToken(shared))
            {
                return null;
            }
        }

        var positions = new Dictionary<string, string>(StringComparer.Ordinal);
        while (rest.Length > 0)
        {
            if (rest[0] != '.')
            {
                return null;
            }

            rest = rest[1..];
            var end = rest.IndexOf('.');
            var part = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[end..];
            var own = part.Length > KeyLength ? part[(KeyLength + 1)..] : default;
            if (part.Length < KeyLength + 1
                || part[KeyLength] != '~'
                || shared.Length + own.Length > MaxPositionLength
                || !IsToken(part[..KeyLength])
                || (shared.IsEmpty && !IsToken(own))
                || (!own.IsEmpty && !IsToken(own))
                || !positions.TryAdd(part[..KeyLength].ToString(), string.Concat(shared, own)))
            {
                return null;
            }
        }

        return positions.Count == 0 ? null : positions;
    }

    /// <summary>Gets the key of the channel in <paramref name="slot"/>.</summary>
    public string KeyOf(int slot) => _keys[slot];

    /// <summary>Gets the position of the channel in <paramref name="slot"/>.</summary>
    public string? PositionOf(int slot) => _positions[slot];

    /// <summary>Sets the position of the channel in <paramref name="slot"/> (<see langword="null"/> or empty: none yet).</summary>
    public void Set(int slot, string? position)
    {
        position = string.IsNullOrEmpty(position) ? null : position;
        var old = _positions[slot];
        _positions[slot] = position;
        if (_length >= 0
            && old is not null
            && position is not null
            && old.Length == position.Length
            && position.StartsWith(_shared, StringComparison.Ordinal))
        {
            Encoding.ASCII.GetBytes(position.AsSpan(_shared.Length), _text.AsSpan(_offsets[slot]));
        }
        else
        {
            _length = -1;
        }
    }

    /// <summary>Moves the position of the frame's channel to the frame's id; a frame of no one channel moves nothing.</summary>
    public void Advance(SseChannelFrame frame)
    {
        if (frame.Channel is not { } channel)
        {
            return;
        }

        for (var i = 0; i < _channels.Length; i++)
        {
            if (ReferenceEquals(_channels[i], channel) || string.Equals(_channels[i], channel, StringComparison.Ordinal))
            {
                Set(i, frame.Id);
                return;
            }
        }
    }

    /// <summary>Writes the cursor as ASCII.</summary>
    public void Write(IBufferWriter<byte> output) => output.Write(Bytes);

    /// <inheritdoc />
    public override string ToString() => Encoding.ASCII.GetString(Bytes);

    private static bool IsToken(ReadOnlySpan<char> text) =>
        !text.IsEmpty && !text.ContainsAnyExcept(TokenChars);

    // The beginning every position shares, when there are two or more and it is long enough to pay for itself.
    private string Shared()
    {
        string? first = null;
        var length = 0;
        var count = 0;
        foreach (var position in _positions)
        {
            if (position is null)
            {
                continue;
            }

            if (first is null)
            {
                first = position;
                length = position.Length;
            }
            else
            {
                length = Math.Min(length, first.AsSpan(0, length).CommonPrefixLength(position));
            }

            count++;
        }

        return count >= 2 && length >= MinShared ? first![..length] : string.Empty;
    }

    private void Render()
    {
        _shared = Shared();
        var length = Version.Length + (_shared.Length > 0 ? 1 + _shared.Length : 0);
        foreach (var position in _positions)
        {
            if (position is not null)
            {
                length += 1 + KeyLength + 1 + position.Length - _shared.Length;
            }
        }

        if (_text.Length < length)
        {
            _text = new byte[Math.Max(length, _text.Length * 2)];
        }

        var span = _text.AsSpan();
        var written = Encoding.ASCII.GetBytes(Version, span);
        if (_shared.Length > 0)
        {
            span[written++] = (byte)'*';
            written += Encoding.ASCII.GetBytes(_shared, span[written..]);
        }

        for (var i = 0; i < _positions.Length; i++)
        {
            if (_positions[i] is { } position)
            {
                span[written++] = (byte)'.';
                written += Encoding.ASCII.GetBytes(_keys[i], span[written..]);
                span[written++] = (byte)'~';
                _offsets[i] = written;
                written += Encoding.ASCII.GetBytes(position.AsSpan(_shared.Length), span[written..]);
            }
        }

        _length = written;
    }
}
