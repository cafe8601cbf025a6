using Microsoft.AspNetCore.Http;

namespace Tako.Sse.Mvc;

/// <summary>
/// Decides whether a request may subscribe to a channel: the rule of your application (the user may read this
/// order, belongs to this team, pays for this feed). Register it with
/// <c>services.AddTakoSse().AddChannelAuthorizer&lt;TAuthorizer&gt;()</c>.
/// </summary>
/// <remarks>
/// <para>
/// Every registered authorizer is asked for every channel of a subscription before the response's headers go
/// out, after the user-channel rule (<see cref="SseChannelOptions.UserIdClaimType"/>) has allowed the channel.
/// Every one must allow every channel: one refusal refuses the whole request with <c>401</c> (anonymous) or
/// <c>403</c> (signed in), no event-stream header and no subscriber counted. An authorizer that throws makes
/// the request a <c>500</c>, logged once, and never a stream.
/// </para>
/// <para>
/// The channels of one subscription are asked about concurrently (a few at a time), so calls on one instance
/// may overlap: do not share state that is not thread-safe between them, such as one scoped <c>DbContext</c>
/// (take an <c>IDbContextFactory</c> instead). <see cref="CanSubscribeAsync"/>'s token fires when the client
/// leaves, or when another channel of the same subscription has been refused and the answer no longer matters.
/// </para>
/// </remarks>
public interface ISseChannelAuthorizer
{
    /// <summary>Decides whether the request may subscribe to <paramref name="channel"/>.</summary>
    /// <param name="context">The request; its <see cref="HttpContext.User"/> is the authenticated user, if any.</param>
    /// <param name="channel">A valid channel name the request asks for.</param>
    /// <param name="cancellationToken">Fires when the answer is no longer needed.</param>
    /// <returns><see langword="true"/> to allow the channel; <see langword="false"/> to refuse the request.</returns>
    ValueTask<bool> CanSubscribeAsync(HttpContext context, string channel, CancellationToken cancellationToken);
}
