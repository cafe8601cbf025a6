using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc;

/// <summary>
/// Binds the <c>Tako:Sse</c> section when the host has an <see cref="IConfiguration"/> (a bare service collection
/// has none, and that is not an error). A duration written as <c>off</c> or left empty binds as
/// <see langword="null"/>, which turns it off; a duration that is not one fails with one message that names the
/// key and the format. The binding itself is the configuration binder's source generator (trim- and AOT-safe).
/// </summary>
internal sealed class TakoSseConfigurationBinder(IServiceProvider services) : IConfigureOptions<TakoSseOptions>
{
    public void Configure(TakoSseOptions options)
    {
        var section = services.GetService<IConfiguration>()?.GetSection(TakoSseOptions.SectionName);
        if (section is null || !section.Exists())
        {
            return;
        }

        // Durations are read here: the binder cannot read "off", and its own error for "abc" or "5s" is a
        // conversion stack without the format. A copy of the section without them binds everything else.
        var off = new List<string>();
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (path, value) in section.AsEnumerable(makePathsRelative: true))
        {
            if (value is null || !TakoSseConfigurationKeys.IsDuration(path))
            {
                values[ConfigurationPath.Combine(TakoSseOptions.SectionName, path)] = value;
                continue;
            }

            var text = value.Trim();
            if (text.Length == 0 || string.Equals(text, TakoSseConfigurationKeys.Off, StringComparison.OrdinalIgnoreCase))
            {
                off.Add(path);
            }
            else if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out _))
            {
                values[ConfigurationPath.Combine(TakoSseOptions.SectionName, path)] = text;
            }
            else
            {
                var key = ConfigurationPath.Combine(TakoSseOptions.SectionName, path);
                throw new OptionsValidationException(Options.DefaultName, typeof(TakoSseOptions), [
                    $"{key} is \"{value}\", which is not a duration. Write a duration as hh:mm:ss, for example " +
                    $"\"00:00:15\" for 15 seconds, or \"{TakoSseConfigurationKeys.Off}\" (or an empty value) to turn it off."]);
            }
        }

        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(TakoSseOptions.SectionName).Bind(options);
        foreach (var path in off)
        {
            SetNull(options, path);
        }
    }

    // The path is a known duration key (TakoSseConfigurationKeys found it on these very properties).
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "The options types' public properties are kept by TakoSseConfigurationKeys' DynamicDependency.")]
    private static void SetNull(object options, string path)
    {
        var segments = path.Split(ConfigurationPath.KeyDelimiter);
        object? target = options;
        for (var i = 0; i < segments.Length && target is not null; i++)
        {
            var property = target.GetType().GetProperty(segments[i], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (i == segments.Length - 1)
            {
                property?.SetValue(target, null);
            }
            else
            {
                target = property?.GetValue(target);
            }
        }
    }
}
