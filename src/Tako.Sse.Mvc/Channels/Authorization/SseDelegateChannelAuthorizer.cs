using Microsoft.AspNetCore.Http;

namespace Tako.Sse.Mvc;

/// <summary>The <see cref="ISseChannelAuthorizer"/> of <c>AddChannelAuthorizer(Func&lt;HttpContext, string, ValueTask&lt;bool&gt;&gt;)</c>.</summary>
internal sealed class SseDelegateChannelAuthorizer(Func<HttpContext, string, ValueTask<bool>> canSubscribe) : ISseChannelAuthorizer
{
    /// <summary>Gets the delegate, whose method names this authorizer in logs.</summary>
    public Func<HttpContext, string, ValueTask<bool>> CanSubscribe => canSubscribe;

    public ValueTask<bool> CanSubscribeAsync(HttpContext context, string channel, CancellationToken cancellationToken) =>
        canSubscribe(context, channel);
}
