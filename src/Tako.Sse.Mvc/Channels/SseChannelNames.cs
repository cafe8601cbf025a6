namespace Tako.Sse.Mvc;

/// <summary>The rule for channel names, shared by publishing and subscribing.</summary>
internal static class SseChannelNames
{
    public const int MaxLength = 256;

    /// <summary>
    /// Throws unless <paramref name="channel"/> is 1 to 256 characters without control characters, line or
    /// paragraph separators (U+2028, U+2029) or bidirectional formatting characters (U+202A to U+202E, U+2066 to
    /// U+2069, U+200E, U+200F, U+061C).
    /// </summary>
    public static void Validate(string channel, string paramName)
    {
        ArgumentNullException.ThrowIfNull(channel, paramName);
        if (FindProblem(channel) is { } problem)
        {
            throw new ArgumentException(problem, paramName);
        }
    }

    /// <summary>Says what is wrong with a name (see <see cref="Validate"/>), or <see langword="null"/> for a good one.</summary>
    public static string? FindProblem(string channel)
    {
        if (channel.Length is 0 or > MaxLength)
        {
            return $"A channel name must be 1 to {MaxLength} characters long (was {channel.Length}).";
        }

        // Names end up in logs and metrics tags; control characters there are a log-forging vector.
        foreach (var c in channel)
        {
            // U+2028 and U+2029 break lines in many log viewers; a bidi override (U+202E) makes a name read as
            // another one.
            if (char.IsControl(c) || c is '\u2028' or '\u2029' or (>= '\u202A' and <= '\u202E') or
                (>= '\u2066' and <= '\u2069') or '\u200E' or '\u200F' or '\u061C')
            {
                return "A channel name cannot contain control characters, line separators or bidirectional formatting characters.";
            }
        }

        return null;
    }
}
