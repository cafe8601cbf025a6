using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Tako.Sse.Mvc;

/// <summary>
/// The <c>id:</c> of every event on a stream of several channels: the position of each channel of the
/// subscription as of that event. <c>t1</c>, then for each channel with a position <c>.</c>, an 8-character key
/// (the first 48 bits of the SHA-256 of its name, base64url), <c>~</c> and the position (the channel's own id).
/// </summary>
/// <remarks>
/// <para>
/// Keys, not names, so the size does not depend on the names: 32 channels with Redis ids
/// (<c>1733212345678-12</c>) take about 900 characters, with in-memory ids about 1,100. A client treats it as
/// opaque and sends it back as <c>Last-Event-ID</c>; <see cref="Parse"/> reads it strictly.
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

    // Base64url characters: what keys and both hubs' ids are made of.
    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    private readonly string[] _channels;
    private readonly string[] _keys;
    private readonly string?[] _positions;

    /// <param name="channels">The subscription's channels; a slot is an index into it.</param>
    public SseCursor(string[] channels)
    {
        _channels = channels;
        _keys = new string[channels.Length];
        _positions = new string?[channels.Length];
        for (var i = 0; i < channels.Length; i++)
        {
            _keys[i] = Key(channels[i]);
        }
    }

    /// <summary>Gets the number of channels.</summary>
    public int Count => _channels.Length;

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

        var positions = new Dictionary<string, string>(StringComparer.Ordinal);
        var rest = text.AsSpan(Version.Length);
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
            if (part.Length < KeyLength + 2
                || part[KeyLength] != '~'
                || part.Length - KeyLength - 1 > MaxPositionLength
                || !IsToken(part[..KeyLength])
                || !IsToken(part[(KeyLength + 1)..])
                || !positions.TryAdd(part[..KeyLength].ToString(), part[(KeyLength + 1)..].ToString()))
            {
                return null;
            }
        }

        return positions.Count == 0 ? null : positions;
    }

    /// <summary>Gets the key of the channel in <paramref name="slot"/>.</summary>
    public string KeyOf(int slot) => _keys[slot];

    /// <summary>Sets the position of the channel in <paramref name="slot"/> (<see langword="null"/> or empty: none yet).</summary>
    public void Set(int slot, string? position) => _positions[slot] = string.IsNullOrEmpty(position) ? null : position;

    /// <summary>Gets the position of the channel in <paramref name="slot"/>.</summary>
    public string? PositionOf(int slot) => _positions[slot];

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

    /// <summary>Gets the cursor's length in bytes (it is ASCII).</summary>
    public int Length
    {
        get
        {
            var length = Version.Length;
            foreach (var position in _positions)
            {
                if (position is not null)
                {
                    length += 1 + KeyLength + 1 + position.Length;
                }
            }

            return length;
        }
    }

    /// <summary>Writes the cursor as ASCII.</summary>
    public void Write(IBufferWriter<byte> output)
    {
        var length = Length;
        var span = output.GetSpan(length);
        var written = Encoding.ASCII.GetBytes(Version, span);
        for (var i = 0; i < _positions.Length; i++)
        {
            if (_positions[i] is { } position)
            {
                span[written++] = (byte)'.';
                written += Encoding.ASCII.GetBytes(_keys[i], span[written..]);
                span[written++] = (byte)'~';
                written += Encoding.ASCII.GetBytes(position, span[written..]);
            }
        }

        output.Advance(written);
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var buffer = new ArrayBufferWriter<byte>(Length);
        Write(buffer);
        return Encoding.ASCII.GetString(buffer.WrittenSpan);
    }

    private static bool IsToken(ReadOnlySpan<char> text) =>
        !text.IsEmpty && !text.ContainsAnyExcept(TokenChars);
}
