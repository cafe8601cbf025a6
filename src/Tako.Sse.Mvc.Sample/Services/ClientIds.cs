using System.Text.RegularExpressions;

namespace Tako.Sse.Mvc.Sample.Services;

/// <summary>
/// The ids a page picks for its streams (<c>crypto.randomUUID()</c>), so that its "drop connection" button finds
/// them. Anyone who knows an id can drop that stream, so an id is never shown whole: logs (which the Logs card
/// streams to every visitor) carry only its first 8 characters.
/// </summary>
public static partial class ClientIds
{
    /// <summary>The most characters of a client id.</summary>
    public const int MaxLength = 64;

    /// <summary>Whether <paramref name="client"/> is 1 to 64 ASCII letters, digits or hyphens (so it can be logged as is).</summary>
    /// <param name="client">The id from the query string.</param>
    /// <returns><see langword="true"/> for a usable id.</returns>
    public static bool IsValid(string? client) => client is not null && Pattern().IsMatch(client);

    /// <summary>The part of a valid id that logs show.</summary>
    /// <param name="client">A valid id.</param>
    /// <returns>Its first 8 characters and an ellipsis.</returns>
    public static string Tag(string client) => client.Length <= 8 ? "…" : client[..8] + "…";

    // \z, not $: .NET's $ also matches before a final newline.
    [GeneratedRegex(@"\A[A-Za-z0-9-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
