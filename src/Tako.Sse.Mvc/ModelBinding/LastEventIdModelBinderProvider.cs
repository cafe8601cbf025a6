using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Tako.Sse.Mvc;

/// <summary>
/// Takes over <c>[FromHeader(Name = "Last-Event-ID")]</c> from MVC's header binder, which does not trim, joins a
/// repeated header, and cannot recover the bytes of a Latin-1 decoded header. Every other header is left to MVC.
/// </summary>
internal sealed class LastEventIdModelBinderProvider : IModelBinderProvider
{
    public IModelBinder? GetBinder(ModelBinderProviderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var bindingInfo = context.BindingInfo;

        // [FromLastEventId] names its binder itself; MVC's BinderTypeModelBinderProvider creates it.
        if (bindingInfo.BinderType is not null ||
            bindingInfo.BindingSource is not { } source ||
            !source.CanAcceptDataFrom(BindingSource.Header))
        {
            return null;
        }

        var headerName = bindingInfo.BinderModelName ?? context.Metadata.Name;
        return string.Equals(headerName, SseHeaderNames.LastEventId, StringComparison.OrdinalIgnoreCase) &&
            LastEventIdModelBinder.CanBind(context.Metadata.ModelType)
            ? LastEventIdModelBinder.HeaderOnly
            : null;
    }
}
