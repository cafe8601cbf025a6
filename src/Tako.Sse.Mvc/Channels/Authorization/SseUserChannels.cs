using System.Security.Claims;

namespace Tako.Sse.Mvc;

/// <summary>
/// The user-channel rule: a channel whose name has a <c>#</c> belongs to the ids after its last one
/// (<c>notifications#42</c>, <c>dialog#42,57</c>), and only a signed-in user holding one of them may subscribe.
/// </summary>
/// <remarks>
/// Ids are compared ordinally, as written (no trimming, no case folding). A name that ends with <c>#</c> (or
/// lists only empty ids) belongs to nobody: failing closed is the only safe reading of a name that looks
/// private.
/// </remarks>
internal static class SseUserChannels
{
    public const char Marker = '#';

    public const char IdSeparator = ',';

    /// <summary>Gets the ids a user channel belongs to; <see langword="false"/> for a channel anyone may ask for.</summary>
    public static bool TryGetUserIds(string channel, out ReadOnlySpan<char> ids)
    {
        var marker = channel.LastIndexOf(Marker);
        if (marker < 0)
        {
            ids = default;
            return false;
        }

        ids = channel.AsSpan(marker + 1);
        return true;
    }

    /// <summary>Whether an authenticated identity of <paramref name="user"/> has a claim of <paramref name="claimType"/> naming one of <paramref name="ids"/>.</summary>
    public static bool IsOneOf(ClaimsPrincipal user, string claimType, ReadOnlySpan<char> ids)
    {
        // Only authenticated identities count: a claim on an anonymous identity was asserted by nobody.
        foreach (var identity in user.Identities)
        {
            if (!identity.IsAuthenticated)
            {
                continue;
            }

            foreach (var claim in identity.FindAll(claimType))
            {
                if (Lists(ids, claim.Value))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Whether any identity of the user is authenticated: tells 401 (sign in) from 403 (not yours).</summary>
    public static bool IsSignedIn(ClaimsPrincipal user)
    {
        foreach (var identity in user.Identities)
        {
            if (identity.IsAuthenticated)
            {
                return true;
            }
        }

        return false;
    }

    private static bool Lists(ReadOnlySpan<char> ids, string id)
    {
        if (id.Length == 0)
        {
            return false;
        }

        foreach (var range in ids.Split(IdSeparator))
        {
            if (ids[range].SequenceEqual(id))
            {
                return true;
            }
        }

        return false;
    }
}
