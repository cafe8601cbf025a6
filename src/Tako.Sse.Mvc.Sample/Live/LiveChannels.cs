using Tako.Sse.Mvc.Sample.Controllers;
using Tako.Sse.Mvc.Sample.Identity;
using Tako.Sse.Mvc.Sample.Tiles;

namespace Tako.Sse.Mvc.Sample.Live;

/// <summary>
/// Which channels a page may list on <c>GET /live</c>: the list comes from the page, so the server says which
/// names exist. The public ones (the chat and the tiles) are for anyone; a user channel
/// (<c>notifications#alice</c>) is allowed here only by its shape, because Tako.Sse.Mvc's user-channel rule
/// already lets only that user subscribe (401 anonymous, 403 anyone else).
/// </summary>
public static class LiveChannels
{
    /// <summary>The channels anyone may read: the chat room and the three tiles. Public by design.</summary>
    public static readonly IReadOnlySet<string> Public = new HashSet<string>(
        [ChatController.Channel, .. TileSimulator.Names.Select(TileSimulator.Channel)], StringComparer.Ordinal);

    /// <summary>Whether a subscription may include <paramref name="channel"/> as far as its name goes.</summary>
    /// <param name="channel">A channel name from the request.</param>
    /// <returns><see langword="true"/> for a public channel or a user's notifications channel.</returns>
    public static bool IsAllowed(string channel) =>
        Public.Contains(channel) || channel.StartsWith(UserChannel.Prefix, StringComparison.Ordinal);
}
