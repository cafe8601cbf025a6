namespace Tako.Sse.Mvc;

/// <summary>The rule for channel names, shared by publishing and subscribing.</summary>
internal static class SseChannelNames
{
    public const int MaxLength = 256;

    /// <summary>Throws unless <paramref name="channel"/> is 1 to 256 characters without control characters.</summary>
    public static void Validate(string channel, string paramName)
    {
        ArgumentNullException.ThrowIfNull(channel, paramName);
        if (channel.Length is 0 or > MaxLength)
        {
            throw new ArgumentException($"A channel name must be 1 to {MaxLength} characters long (was {channel.Length}).", paramName);
        }

        // Names end up in logs and metrics tags; control characters there are a log-forging vector.
        foreach (var c in channel)
        {
            if (char.IsControl(c))
            {
                throw new ArgumentException("A channel name cannot contain control characters.", paramName);
            }
        }
    }
}
