using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc;

/// <summary>
/// Puts the <c>Last-Event-ID</c> binder first in MVC's list. MVC's own setup only appends, so the order of
/// <c>AddTakoSse</c> and <c>AddControllers</c> does not matter.
/// </summary>
internal sealed class LastEventIdMvcOptionsSetup : IConfigureOptions<MvcOptions>
{
    public void Configure(MvcOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.ModelBinderProviders.Any(p => p is LastEventIdModelBinderProvider))
        {
            options.ModelBinderProviders.Insert(0, new LastEventIdModelBinderProvider());
        }
    }
}
