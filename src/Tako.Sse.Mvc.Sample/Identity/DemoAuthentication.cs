using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;

namespace Tako.Sse.Mvc.Sample.Identity;

/// <summary>
/// The sample's stand-in for real sign-in: ASP.NET Core's cookie authentication, with a sign-in endpoint that
/// takes any name and no password (<c>POST /demo/sign-in?name=alice</c>). A demo only: put your own
/// authentication in its place; the per-user channel code does not change.
/// </summary>
public static class DemoAuthentication
{
    /// <summary>The name of the sign-in cookie.</summary>
    public const string CookieName = "tako-demo-user";

    /// <summary>Adds cookie authentication that answers 401 (not a redirect to a login page) to an anonymous request.</summary>
    /// <param name="services">The sample's services.</param>
    /// <returns>The same services.</returns>
    public static IServiceCollection AddDemoAuthentication(this IServiceCollection services)
    {
        // Keys live in memory: a restart signs everyone out, and the sample writes nothing to the disk.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.Cookie.Name = CookieName;
                options.Events.OnRedirectToLogin = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                };
                options.Events.OnRedirectToAccessDenied = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                };
            });
        services.AddAuthorization();
        return services;
    }
}
