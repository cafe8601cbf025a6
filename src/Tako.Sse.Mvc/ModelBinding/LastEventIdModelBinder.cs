using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc;

/// <summary>
/// Binds the reconnection cursor with the rules of <see cref="SseHttpRequestExtensions.GetLastEventId"/>:
/// trimmed, absent when missing, empty or repeated. <see cref="LastEventId"/> gets the raw bytes; other types
/// are converted from the text with their <see cref="TypeConverter"/>. A value that does not convert leaves the
/// parameter unbound (<see langword="null"/>, so the stream starts afresh), logged at Debug: never a model-state
/// error, since a browser that gets a 400 stops reconnecting for good.
/// </summary>
internal sealed class LastEventIdModelBinder : IModelBinder
{
    // MVC model binding converts with TypeDescriptor, as MVC's own binders do. It runs only under MVC, which is
    // not trim- or AOT-compatible itself (an app that trims MVC gets MVC's own warnings); minimal APIs bind
    // LastEventId through its BindAsync instead.
    private const string MvcOnly = "Runs only under MVC model binding, which is not trim-compatible itself; minimal APIs use LastEventId.BindAsync.";

    /// <summary>The category of the Debug entry for a value that does not convert.</summary>
    internal const string LogCategory = "Tako.Sse.Mvc.LastEventId";

    /// <summary>The most characters of a value that does not convert quoted in the log.</summary>
    internal const int MaxQuotedLength = 64;

    /// <summary>The binder of <c>[FromHeader(Name = "Last-Event-ID")]</c>: the header only.</summary>
    internal static readonly LastEventIdModelBinder HeaderOnly = new(queryFallback: false);

    private readonly bool _queryFallback;

    /// <summary>Created by MVC for <see cref="FromLastEventIdAttribute"/>: the header, then the query string.</summary>
    public LastEventIdModelBinder()
        : this(queryFallback: true)
    {
    }

    private LastEventIdModelBinder(bool queryFallback) => _queryFallback = queryFallback;

    /// <summary>Whether this binder can produce <paramref name="modelType"/> (or its nullable form).</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = MvcOnly)]
    [UnconditionalSuppressMessage("Trimming", "IL2067", Justification = MvcOnly)]
    public static bool CanBind(Type modelType)
    {
        var type = Nullable.GetUnderlyingType(modelType) ?? modelType;
        return type == typeof(string) || type == typeof(LastEventId) ||
            TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string));
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = MvcOnly)]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = MvcOnly)]
    public Task BindModelAsync(ModelBindingContext bindingContext)
    {
        ArgumentNullException.ThrowIfNull(bindingContext);
        var request = bindingContext.HttpContext.Request;
        var type = bindingContext.ModelMetadata.UnderlyingOrModelType;
        var modelName = string.IsNullOrEmpty(bindingContext.ModelName) ? SseHeaderNames.LastEventId : bindingContext.ModelName;

        if (type == typeof(LastEventId))
        {
            var bytes = LastEventIdReader.GetBytes(request);
            if (bytes is null && _queryFallback && LastEventIdReader.GetQueryText(request) is { } query)
            {
                bytes = Encoding.UTF8.GetBytes(query);
            }

            if (bytes is not null)
            {
                var cursor = LastEventId.FromTrimmedBytes(bytes);
                bindingContext.ModelState.SetModelValue(modelName, cursor.ToString(), cursor.ToString());
                bindingContext.Result = ModelBindingResult.Success(cursor);
            }

            return Task.CompletedTask;
        }

        var text = LastEventIdReader.GetText(request) ?? (_queryFallback ? LastEventIdReader.GetQueryText(request) : null);
        if (text is null)
        {
            return Task.CompletedTask;
        }

        if (type == typeof(string))
        {
            bindingContext.ModelState.SetModelValue(modelName, text, text);
            bindingContext.Result = ModelBindingResult.Success(text);
            return Task.CompletedTask;
        }

        try
        {
            var model = TypeDescriptor.GetConverter(type).ConvertFrom(null, CultureInfo.InvariantCulture, text);
            bindingContext.ModelState.SetModelValue(modelName, text, text);
            bindingContext.Result = ModelBindingResult.Success(model);
        }
#pragma warning disable CA1031 // As MVC's SimpleTypeModelBinder: any conversion failure means "does not convert".
        catch (Exception)
#pragma warning restore CA1031
        {
            // An id of another format (an older deploy's, another server's) is no reason to fail the request: a
            // browser that gets anything but 200 stops reconnecting for good. The parameter stays unbound (null,
            // or the type's default), so the stream starts afresh; no model-state error, so [ApiController]
            // answers 200 too.
            var logger = bindingContext.HttpContext.RequestServices?.GetService<ILoggerFactory>()?.CreateLogger(LogCategory);
            if (logger is not null)
            {
                Log.LastEventIdMalformed(logger, Shorten(text), type.Name);
            }

            // A nullable parameter gets null; a value type keeps its default.
            bindingContext.Result = bindingContext.ModelMetadata.IsReferenceOrNullableType
                ? ModelBindingResult.Success(null)
                : ModelBindingResult.Failed();
        }

        return Task.CompletedTask;
    }

    private static string Shorten(string text)
    {
        if (text.Length <= MaxQuotedLength)
        {
            return text;
        }

        // Never cut a surrogate pair in half.
        var length = char.IsHighSurrogate(text[MaxQuotedLength - 1]) ? MaxQuotedLength - 1 : MaxQuotedLength;
        return string.Concat(text.AsSpan(0, length), "…");
    }
}
