using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Tako.Sse.Mvc;

/// <summary>
/// Binds the reconnection cursor: the <c>Last-Event-ID</c> header, or, when the request has none, the
/// <c>lastEventId</c> query parameter that <c>EventSource</c> polyfills send when they cannot set headers.
/// Works on <see cref="string"/>, <see cref="LastEventId"/> and any type with a <see cref="System.ComponentModel.TypeConverter"/>
/// from string (<see cref="long"/>, <see cref="int"/>, <see cref="Guid"/>, …), nullable or not. The value is
/// trimmed; a value that does not convert binds as <see langword="null"/> (logged at Debug), never a 400, since a
/// browser answered with anything but 200 stops reconnecting. MVC only: in a minimal API declare a
/// <see cref="LastEventId"/> parameter instead (it binds itself); this attribute there fails start-up.
/// </summary>
/// <example><c>public SseActionResult Feed([FromLastEventId] long? after) =&gt; …</c></example>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class FromLastEventIdAttribute : Attribute, IBinderTypeProviderMetadata, IModelNameProvider
{
    /// <summary>The query parameter read when the header is absent: <c>lastEventId</c>.</summary>
    public const string QueryParameterName = LastEventIdReader.QueryParameterName;

    /// <summary>Gets the binder that reads the cursor.</summary>
    public Type BinderType => typeof(LastEventIdModelBinder);

    /// <summary>Gets <see cref="BindingSource.Header"/>: API descriptions show the cursor as a header.</summary>
    public BindingSource BindingSource => BindingSource.Header;

    /// <summary>Gets the header name, <c>Last-Event-ID</c>, also the key of any model-state error.</summary>
    public string Name => SseHeaderNames.LastEventId;
}
