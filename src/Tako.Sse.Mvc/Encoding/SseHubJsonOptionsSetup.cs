using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc;

/// <summary>
/// Hands the hubs the app's JSON options for <see cref="SseHubJsonExtensions"/>: through the channel options every
/// hub already holds, resolved on first use (after the app has configured them).
/// </summary>
internal sealed class SseHubJsonOptionsSetup(IServiceProvider services) : IPostConfigureOptions<TakoSseOptions>
{
    public void PostConfigure(string? name, TakoSseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Channels.PublishingJsonOptions = new Lazy<JsonSerializerOptions?>(() => SseJsonTypeInfos.ForPublishing(services));
    }
}
