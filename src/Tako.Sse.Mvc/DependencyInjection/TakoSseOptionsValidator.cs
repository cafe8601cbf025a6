using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc;

/// <summary>
/// Rejects <see cref="TakoSseOptions"/> that would corrupt the stream or its headers, durations that are negative
/// or implausibly long (a bare <c>"2"</c> in configuration is two days), and keys under <c>Tako:Sse</c> that bind
/// to nothing (a misspelt option would otherwise be silently ignored).
/// </summary>
internal sealed class TakoSseOptionsValidator(IConfiguration? configuration = null) : IValidateOptions<TakoSseOptions>
{
    /// <summary>The longest keep-alive, retry or write timeout accepted: longer ones are almost surely a mistake.</summary>
    internal static readonly TimeSpan MaxDuration = TimeSpan.FromHours(1);

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

        ValidateDuration(nameof(TakoSseOptions.KeepAlive), options.KeepAlive, "00:00:15", ref failures);
        ValidateDuration(nameof(TakoSseOptions.Retry), options.Retry, "00:00:05", ref failures);
        ValidateDuration(nameof(TakoSseOptions.WriteTimeout), options.WriteTimeout, "00:00:30", ref failures);

        // Configuration binds to the default options only; named options are configured in code.
        if (name == Options.DefaultName && configuration?.GetSection(TakoSseOptions.SectionName) is { } section && section.Exists())
        {
            var unknown = TakoSseConfigurationKeys.FindUnknown(section);
            if (unknown.Count > 0)
            {
                (failures ??= []).Add(
                    $"Unknown configuration key{(unknown.Count > 1 ? "s" : "")} under {TakoSseOptions.SectionName}: {string.Join(", ", unknown.Select(k => $"'{k}'"))}. " +
                    $"Known keys: {string.Join(", ", TakoSseConfigurationKeys.Known)}.");
            }
        }

        return failures is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateDuration(string option, TimeSpan? value, string example, ref List<string>? failures)
    {
        if (value is not { } duration || (duration >= TimeSpan.Zero && duration <= MaxDuration))
        {
            return;
        }

        var problem = duration < TimeSpan.Zero ? "cannot be negative" : $"cannot be longer than {MaxDuration:c}";
        (failures ??= []).Add(
            $"{nameof(TakoSseOptions)}.{option} {problem} (was {duration:c}). In configuration write a duration as hh:mm:ss, " +
            $"for example \"{option}\": \"{example}\"; a bare number such as \"2\" means 2 days. " +
            $"To turn it off use null in code, or an empty value or \"{TakoSseConfigurationKeys.Off}\" in configuration.");
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
