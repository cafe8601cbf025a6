using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc;

/// <summary>
/// Binds the <c>Tako:Sse</c> section when the host has an <see cref="IConfiguration"/> (a bare service collection
/// has none, and that is not an error). A duration written as <c>off</c> or left empty binds as
/// <see langword="null"/>, which turns it off.
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

        // The binder cannot read "off"; a copy of the section with "off" emptied binds every duration as null.
        var hasOff = false;
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (path, value) in section.AsEnumerable(makePathsRelative: true))
        {
            var isOff = string.Equals(value?.Trim(), TakoSseConfigurationKeys.Off, StringComparison.OrdinalIgnoreCase) && TakoSseConfigurationKeys.IsDuration(path);
            hasOff |= isOff;
            values[ConfigurationPath.Combine(TakoSseOptions.SectionName, path)] = isOff ? "" : value;
        }

        var source = hasOff ? new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(TakoSseOptions.SectionName) : section;
        source.Bind(options);
    }
}
