using System.ComponentModel;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Tako.Sse.Mvc;

/// <summary>
/// Binds the reconnection cursor with the rules of <see cref="SseHttpRequestExtensions.GetLastEventId"/>:
/// trimmed, absent when missing, empty or repeated. <see cref="LastEventId"/> gets the raw bytes; other types
/// are converted from the text with their <see cref="TypeConverter"/>, and a value that does not convert gives
/// MVC's usual model-state error ("The value 'abc' is not valid for …"), never an exception.
/// </summary>
internal sealed class LastEventIdModelBinder : IModelBinder
{
    /// <summary>The most characters of a value that does not convert quoted back in the model-state error.</summary>
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
    public static bool CanBind(Type modelType)
    {
        var type = Nullable.GetUnderlyingType(modelType) ?? modelType;
        return type == typeof(string) || type == typeof(LastEventId) ||
            TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string));
    }

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

        bindingContext.ModelState.SetModelValue(modelName, text, text);
        if (type == typeof(string))
        {
            bindingContext.Result = ModelBindingResult.Success(text);
            return Task.CompletedTask;
        }

        try
        {
            var model = TypeDescriptor.GetConverter(type).ConvertFrom(null, CultureInfo.InvariantCulture, text);
            bindingContext.Result = ModelBindingResult.Success(model);
        }
#pragma warning disable CA1031 // As MVC's SimpleTypeModelBinder: any conversion failure is a model-state error.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            // TypeConverters wrap the FormatException; MVC turns a FormatException or OverflowException into its
            // standard "The value '…' is not valid for …" message.
            if (exception is not FormatException && exception.InnerException is { } inner)
            {
                exception = inner;
            }

            // MVC quotes the attempted value in its message, and [ApiController] sends that message back: a 10 KB
            // header must not come back whole in every 400.
            bindingContext.ModelState.SetModelValue(modelName, text, Shorten(text));
            bindingContext.ModelState.TryAddModelError(modelName, exception, bindingContext.ModelMetadata);
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
