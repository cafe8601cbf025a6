using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc;

/// <summary>Rejects <see cref="TakoSseOptions"/> that would corrupt the stream or its headers.</summary>
internal sealed class TakoSseOptionsValidator : IValidateOptions<TakoSseOptions>
{
    public ValidateOptionsResult Validate(string? name, TakoSseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string>? failures = null;

        if (options.KeepAliveComment is null)
        {
            (failures ??= []).Add($"{nameof(TakoSseOptions)}.{nameof(TakoSseOptions.KeepAliveComment)} cannot be null.");
        }
        else if (options.KeepAliveComment.AsSpan().ContainsAny('\r', '\n'))
        {
            (failures ??= []).Add($"{nameof(TakoSseOptions)}.{nameof(TakoSseOptions.KeepAliveComment)} cannot contain CR or LF: it is written as one comment line.");
        }

        if (string.IsNullOrWhiteSpace(options.CacheControl))
        {
            (failures ??= []).Add($"{nameof(TakoSseOptions)}.{nameof(TakoSseOptions.CacheControl)} cannot be null or empty.");
        }
        else if (!IsValidHeaderValue(options.CacheControl))
        {
            (failures ??= []).Add($"{nameof(TakoSseOptions)}.{nameof(TakoSseOptions.CacheControl)} must be a single-line ASCII header value (no CR, LF or other control characters).");
        }

        if (options.Retry < TimeSpan.Zero)
        {
            (failures ??= []).Add($"{nameof(TakoSseOptions)}.{nameof(TakoSseOptions.Retry)} cannot be negative (was {options.Retry}).");
        }

        if (options.WriteTimeout < TimeSpan.Zero)
        {
            (failures ??= []).Add($"{nameof(TakoSseOptions)}.{nameof(TakoSseOptions.WriteTimeout)} cannot be negative (was {options.WriteTimeout}); null or zero turns it off.");
        }

        return failures is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsValidHeaderValue(string value)
    {
        foreach (var c in value)
        {
            if (c is < ' ' and not '\t' || c >= '\u007f')
            {
                return false;
            }
        }

        return true;
    }
}
