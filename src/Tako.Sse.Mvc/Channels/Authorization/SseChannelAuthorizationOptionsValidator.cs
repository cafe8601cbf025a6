using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc;

/// <summary>Rejects, at start-up, channel options that would leave the user-channel rule without a claim to read.</summary>
internal sealed class SseChannelAuthorizationOptionsValidator : IValidateOptions<TakoSseOptions>
{
    public ValidateOptionsResult Validate(string? name, TakoSseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrWhiteSpace(options.Channels.UserIdClaimType)
            ? ValidateOptionsResult.Fail(
                $"{nameof(TakoSseOptions)}.{nameof(TakoSseOptions.Channels)}.{nameof(SseChannelOptions.UserIdClaimType)} cannot be null or empty: "
                + "user channels (a name with '#') are subscribed by the user whose claim of this type is listed in the name.")
            : ValidateOptionsResult.Success;
    }
}
