using Microsoft.Extensions.DependencyInjection;

namespace Tako.Sse.Mvc;

/// <summary>The <see cref="ITakoSseBuilder"/> that <c>AddTakoSse</c> returns.</summary>
internal sealed class TakoSseBuilder(IServiceCollection services) : ITakoSseBuilder
{
    public IServiceCollection Services { get; } = services;
}
