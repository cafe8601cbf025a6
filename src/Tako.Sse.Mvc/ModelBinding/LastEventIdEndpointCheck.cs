using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Tako.Sse.Mvc;

/// <summary>
/// Fails start-up when a minimal API endpoint has a <c>[FromLastEventId]</c> parameter. Minimal APIs do not run
/// MVC's binders, so the attribute would be ignored and the value bound from a query parameter named after the
/// C# parameter: silently wrong. Runs once the pipeline is built, when every endpoint has been mapped.
/// </summary>
internal sealed class LastEventIdEndpointCheck : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        next(app);
        if (app.ApplicationServices.GetService<EndpointDataSource>() is { } endpoints)
        {
            Check(endpoints);
        }
    };

    internal static void Check(EndpointDataSource dataSource)
    {
        // MVC's own data sources are skipped: they bind with MVC's binders, where the attribute works, and reading
        // them here would build every controller endpoint at start-up.
        if (dataSource is CompositeEndpointDataSource composite)
        {
            foreach (var inner in composite.DataSources)
            {
                Check(inner);
            }

            return;
        }

        if (dataSource.GetType().Assembly == typeof(ControllerBase).Assembly)
        {
            return;
        }

        foreach (var endpoint in dataSource.Endpoints)
        {
            if (endpoint.Metadata.GetMetadata<MethodInfo>() is not { } method)
            {
                continue;
            }

            foreach (var parameter in method.GetParameters())
            {
                if (parameter.IsDefined(typeof(FromLastEventIdAttribute), inherit: false))
                {
                    throw new InvalidOperationException(
                        $"[FromLastEventId] on parameter '{parameter.Name}' of the minimal API endpoint '{endpoint.DisplayName}' " +
                        "would be ignored: minimal APIs do not run MVC model binders. Declare the parameter as LastEventId " +
                        "(it binds itself from the Last-Event-ID header, then the lastEventId query parameter) and pass " +
                        "its Text on, or use HttpRequest.GetLastEventId().");
                }
            }
        }
    }
}
