using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc;

/// <summary>
/// Where JSON without a <see cref="JsonTypeInfo{T}"/> gets its contract: the app's configured options, and the
/// rule for which ones. One place for <see cref="SseActionResult"/>'s JSON streams and the hub's typed publishing,
/// so both write the same JSON.
/// </summary>
internal static class SseJsonTypeInfos
{
    internal const string ReflectionMessage =
        "Serializes T with the app's JsonSerializerOptions, which may use reflection. Under trimming or Native AOT, " +
        "use the overload that takes a JsonTypeInfo<T> from a source-generated JsonSerializerContext.";

    /// <summary>
    /// The options of the stack that runs a stream: MVC's (<c>AddControllers().AddJsonOptions</c>) for a
    /// controller's result, minimal APIs' (<c>ConfigureHttpJsonOptions</c>) otherwise.
    /// </summary>
    /// <returns>The options; <see langword="null"/> when none are registered (then <see cref="Get{T}"/> uses the web defaults).</returns>
    public static JsonSerializerOptions? ForStream(IServiceProvider services, bool fromMvc) =>
        fromMvc
            ? services.GetService<IOptions<Microsoft.AspNetCore.Mvc.JsonOptions>>()?.Value.JsonSerializerOptions
            : services.GetService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>()?.Value.SerializerOptions;

    /// <summary>
    /// The options of a publication, which belongs to no request: MVC's when the app registered MVC (so a hub
    /// feeding controllers writes what their <c>Json</c> streams write), minimal APIs' otherwise.
    /// </summary>
    public static JsonSerializerOptions? ForPublishing(IServiceProvider services) =>
        ForStream(services, fromMvc: services.GetService<ApplicationPartManager>() is not null);

    /// <summary>
    /// The contract of <typeparamref name="T"/> in <paramref name="options"/> (<see cref="JsonSerializerOptions.Web"/>
    /// when null), reflection-based when they have no resolver.
    /// </summary>
    [RequiresUnreferencedCode(ReflectionMessage)]
    [RequiresDynamicCode(ReflectionMessage)]
    public static JsonTypeInfo<T> Get<T>(JsonSerializerOptions? options)
    {
        options ??= JsonSerializerOptions.Web;

        // What JsonSerializer.Serialize(value, options) does first: lock the options, with the reflection resolver
        // when none was set.
        options.MakeReadOnly(populateMissingResolver: true);
        return (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
    }
}
