using Microsoft.Extensions.DependencyInjection;

namespace Tako.Sse.Mvc;

/// <summary>
/// Returned by <c>services.AddTakoSse()</c>, so that packages can add to Tako.Sse.Mvc with extension methods of
/// their own (a backplane that replaces the in-memory <see cref="ISseHub"/>, for example).
/// </summary>
public interface ITakoSseBuilder
{
    /// <summary>Gets the service collection Tako.Sse.Mvc was registered in.</summary>
    IServiceCollection Services { get; }
}
