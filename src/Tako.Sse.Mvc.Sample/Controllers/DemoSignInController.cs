using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;

namespace Tako.Sse.Mvc.Sample.Controllers;

/// <summary>
/// Demo sign-in: any name, no password, a cookie. It exists so that <see cref="NotificationsController"/> has a
/// user to serve; a real application signs users in with its own authentication instead.
/// </summary>
public sealed partial class DemoSignInController : ControllerBase
{
    /// <summary>Signs in as <paramref name="name"/> (lower-case letters, digits and dashes, 1 to 32 of them).</summary>
    /// <param name="name">The user name.</param>
    /// <returns>204 with the sign-in cookie, or 400 for a name outside the pattern.</returns>
    [HttpPost("/demo/sign-in")]
    public async Task<IActionResult> SignIn([FromQuery] string? name)
    {
        if (name is null || !UserName().IsMatch(name))
        {
            return BadRequest("Pass ?name= with 1 to 32 lower-case letters, digits or dashes.");
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, name), new Claim(ClaimTypes.Name, name)],
            CookieAuthenticationDefaults.AuthenticationScheme);
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        return NoContent();
    }

    /// <summary>Who is signed in, so that the page can list that user's notifications channel.</summary>
    /// <returns>200 with <c>{"name":"alice"}</c>, or <c>{"name":null}</c> when no one is.</returns>
    [HttpGet("/demo/me")]
    public IActionResult Me() => Ok(new { name = User.FindFirstValue(ClaimTypes.NameIdentifier) });

    /// <summary>Signs out.</summary>
    /// <returns>204, with the cookie removed.</returns>
    [HttpPost("/demo/sign-out")]
    public async Task<IActionResult> SignOutUser()
    {
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return NoContent();
    }

    // \z, not $: .NET's $ also matches before a final newline, and "ada\n" would name a user whose channel is invalid.
    [GeneratedRegex(@"\A[a-z0-9-]{1,32}\z", RegexOptions.CultureInvariant)]
    private static partial Regex UserName();
}
