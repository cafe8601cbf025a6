using System.Security.Claims;

namespace Tako.Sse.Mvc.Sample.Identity;

/// <summary>
/// The private channel of a signed-in user, named from their identity on the server. It is a user channel
/// (<c>notifications#alice</c>): Tako.Sse.Mvc itself lets only the user named after the <c>#</c> subscribe to it,
/// with 401 for an anonymous request and 403 for anyone else, whatever endpoint asks for it.
/// </summary>
public static class UserChannel
{
    /// <summary>What every user's channel starts with; the user's id follows it.</summary>
    public const string Prefix = "notifications#";

    /// <summary>The channel of the user named <paramref name="userName"/>.</summary>
    /// <param name="userName">A user name as <see cref="Controllers.DemoSignInController"/> accepts it.</param>
    /// <returns>The channel name.</returns>
    public static string For(string userName) => Prefix + userName;

    /// <summary>The channel of the authenticated <paramref name="user"/>.</summary>
    /// <param name="user">The request's user; must be authenticated (the endpoints that call this are <c>[Authorize]</c>).</param>
    /// <returns>The channel name.</returns>
    public static string For(ClaimsPrincipal user)
    {
        var name = user.FindFirstValue(ClaimTypes.NameIdentifier)
            ?? throw new InvalidOperationException("The user has no name identifier: call this from an [Authorize] endpoint.");
        return For(name);
    }
}
