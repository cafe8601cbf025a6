using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Tako.Sse.Mvc;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds to Tako.Sse.Mvc through the <see cref="ITakoSseBuilder"/> that <c>services.AddTakoSse()</c> returns.</summary>
public static class TakoSseBuilderExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TAuthorizer"/> as a scoped <see cref="ISseChannelAuthorizer"/>: it is asked
    /// for every channel of every subscription, before the stream opens, and must allow each one. Several
    /// authorizers may be registered; every one must allow. Registering the same type twice registers it once.
    /// </summary>
    /// <typeparam name="TAuthorizer">The authorizer; it may take scoped services (resolved from the request's).</typeparam>
    /// <param name="builder">The builder that <c>services.AddTakoSse()</c> returned.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static ITakoSseBuilder AddChannelAuthorizer<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TAuthorizer>(this ITakoSseBuilder builder)
        where TAuthorizer : class, ISseChannelAuthorizer
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Scoped<ISseChannelAuthorizer, TAuthorizer>());
        return builder;
    }

    /// <summary>
    /// Registers a delegate as an <see cref="ISseChannelAuthorizer"/>, for a rule that fits in a line, such as
    /// <c>(context, channel) =&gt; ValueTask.FromResult(!channel.StartsWith("admin:") || context.User.IsInRole("admin"))</c>.
    /// Each call adds one more authorizer; every one must allow.
    /// </summary>
    /// <param name="builder">The builder that <c>services.AddTakoSse()</c> returned.</param>
    /// <param name="canSubscribe">
    /// Returns whether the request (the <see cref="HttpContext"/>) may subscribe to the channel (the string).
    /// <see cref="HttpContext.RequestAborted"/> fires when the client leaves.
    /// </param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="canSubscribe"/> is <see langword="null"/>.</exception>
    public static ITakoSseBuilder AddChannelAuthorizer(this ITakoSseBuilder builder, Func<HttpContext, string, ValueTask<bool>> canSubscribe)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(canSubscribe);

        // Add, not TryAddEnumerable: every delegate shares one implementation type, and each call is a rule.
        builder.Services.AddSingleton<ISseChannelAuthorizer>(new SseDelegateChannelAuthorizer(canSubscribe));
        return builder;
    }
}
