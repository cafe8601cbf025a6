using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc;

/// <summary>Rejects <see cref="SseChannelOptions"/> that would make channels misbehave, at start-up.</summary>
internal sealed class SseChannelOptionsValidator : IValidateOptions<TakoSseOptions>
{
    private const string Prefix = $"{nameof(TakoSseOptions)}.{nameof(TakoSseOptions.Channels)}.";

    public ValidateOptionsResult Validate(string? name, TakoSseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var channels = options.Channels;
        List<string>? failures = null;

        if (channels.HistorySize < 0)
        {
            (failures ??= []).Add($"{Prefix}{nameof(SseChannelOptions.HistorySize)} cannot be negative (was {channels.HistorySize}); 0 keeps no history.");
        }

        if (channels.HistoryMaxAge <= TimeSpan.Zero)
        {
            (failures ??= []).Add($"{Prefix}{nameof(SseChannelOptions.HistoryMaxAge)} must be positive (was {channels.HistoryMaxAge}); null sets no age limit.");
        }

        if (channels.SubscriberQueueSize < 1)
        {
            (failures ??= []).Add($"{Prefix}{nameof(SseChannelOptions.SubscriberQueueSize)} must be at least 1 (was {channels.SubscriberQueueSize}).");
        }

        if (channels.MaxChannelsPerSubscription < 1)
        {
            (failures ??= []).Add($"{Prefix}{nameof(SseChannelOptions.MaxChannelsPerSubscription)} must be at least 1 (was {channels.MaxChannelsPerSubscription}).");
        }

        if (!Enum.IsDefined(channels.SlowSubscriberPolicy))
        {
            (failures ??= []).Add($"{Prefix}{nameof(SseChannelOptions.SlowSubscriberPolicy)} must be Disconnect or DropOldest (was {channels.SlowSubscriberPolicy}).");
        }

        if (channels.ReauthorizeInterval <= TimeSpan.Zero)
        {
            (failures ??= []).Add($"{Prefix}{nameof(SseChannelOptions.ReauthorizeInterval)} must be positive (was {channels.ReauthorizeInterval}); null turns the re-check off.");
        }

        CheckEventName(channels.GapEventName, nameof(SseChannelOptions.GapEventName), "gap", ref failures);
        CheckEventName(channels.RevokedEventName, nameof(SseChannelOptions.RevokedEventName), "revoked", ref failures);

        return failures is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckEventName(string? value, string option, string what, ref List<string>? failures)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            (failures ??= []).Add($"{Prefix}{option} cannot be null or empty: clients listen for the {what} event by this name.");
        }
        else if (value.AsSpan().ContainsAny('\r', '\n'))
        {
            (failures ??= []).Add($"{Prefix}{option} cannot contain CR or LF: it is written as one event: line.");
        }
    }
}
