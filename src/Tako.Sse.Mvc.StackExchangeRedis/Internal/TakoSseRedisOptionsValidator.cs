using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc;

/// <summary>Rejects <see cref="TakoSseRedisOptions"/> that cannot reach Redis or would name keys badly.</summary>
internal sealed class TakoSseRedisOptionsValidator : IValidateOptions<TakoSseRedisOptions>
{
    public ValidateOptionsResult Validate(string? name, TakoSseRedisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string>? failures = null;

        if (options.KeyPrefix is null)
        {
            (failures ??= []).Add($"{nameof(TakoSseRedisOptions)}.{nameof(TakoSseRedisOptions.KeyPrefix)} cannot be null (it may be empty).");
        }
        else if (options.KeyPrefix.Any(char.IsControl))
        {
            (failures ??= []).Add($"{nameof(TakoSseRedisOptions)}.{nameof(TakoSseRedisOptions.KeyPrefix)} cannot contain control characters.");
        }

        if (options.Configuration is { } configuration && !configuration.ChannelPrefix.IsNullOrEmpty)
        {
            // The announcements are published from a Lua script, which knows nothing of the client's ChannelPrefix.
            (failures ??= []).Add(
                $"{nameof(TakoSseRedisOptions)}.{nameof(TakoSseRedisOptions.Configuration)}.ChannelPrefix is not supported: use {nameof(TakoSseRedisOptions)}.{nameof(TakoSseRedisOptions.KeyPrefix)}, which names both the keys and the pub/sub channels.");
        }

        if (options.ConnectionFactory is null && (options.Configuration is null || options.Configuration.EndPoints.Count == 0))
        {
            (failures ??= []).Add(
                $"{nameof(TakoSseRedisOptions)} needs a Redis endpoint: pass a connection string such as \"127.0.0.1:6379\" to AddStackExchangeRedis, "
                + $"or set {nameof(TakoSseRedisOptions.Configuration)} or {nameof(TakoSseRedisOptions.ConnectionFactory)}.");
        }

        return failures is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
