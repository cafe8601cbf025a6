using System.Text;

namespace Tako.Sse.Mvc;

/// <summary>
/// Checks the list of channels a client asks for on one stream: what is wrong with it is the client's mistake,
/// answered with <c>400</c> before any stream (the single-channel overload throws instead: its name is the
/// server's).
/// </summary>
internal static class SseChannelList
{
    /// <summary>The most characters of a client's string that a problem or a gap event repeats back.</summary>
    public const int MaxEcho = 64;

    /// <summary>Says what is wrong with the list, or <see langword="null"/> when it can be subscribed to.</summary>
    public static string? FindProblem(string[] channels, int max)
    {
        if (channels.Length == 0)
        {
            return "The list of channels is empty: ask for at least one.";
        }

        if (channels.Length > max)
        {
            return $"The list names {channels.Length} channels; one stream carries at most {max}.";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var channel in channels)
        {
            if (string.IsNullOrEmpty(channel))
            {
                return "The list holds an empty channel name, which is not a valid name.";
            }

            if (SseChannelNames.FindProblem(channel) is { } problem)
            {
                return $"The channel '{Echo(channel)}' is not a valid name. {problem}";
            }

            if (!seen.Add(channel))
            {
                return $"The channel '{Echo(channel)}' is listed twice.";
            }
        }

        return null;
    }

    /// <summary>
    /// What may be repeated back of a client's string: at most <see cref="MaxEcho"/> characters, printable ASCII
    /// (others become '?'), ending in '…' when cut.
    /// </summary>
    public static string Echo(string text)
    {
        var kept = text.Length > MaxEcho ? MaxEcho - 1 : text.Length;
        var builder = new StringBuilder(MaxEcho);
        foreach (var c in text.AsSpan(0, kept))
        {
            builder.Append(c is >= ' ' and <= '~' ? c : '?');
        }

        if (text.Length > MaxEcho)
        {
            builder.Append('…');
        }

        return builder.ToString();
    }
}
