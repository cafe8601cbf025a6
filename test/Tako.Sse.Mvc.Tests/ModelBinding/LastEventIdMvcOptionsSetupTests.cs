using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc.Tests.ModelBinding;

/// <summary>Where the <c>Last-Event-ID</c> binder lands in MVC's list, whatever the order of the registrations.</summary>
public class LastEventIdMvcOptionsSetupTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AddTakoSse_BeforeOrAfterAddControllers_PutsTheLastEventIdBinderFirstOnce(bool takoFirst)
    {
        var services = new ServiceCollection();
        if (takoFirst)
        {
            services.AddTakoSse().Services.AddTakoSse();
        }

        services.AddControllers();
        if (!takoFirst)
        {
            services.AddTakoSse().Services.AddTakoSse();
        }

        var providers = services.BuildServiceProvider().GetRequiredService<IOptions<MvcOptions>>().Value.ModelBinderProviders;

        providers[0].Should().BeOfType<LastEventIdModelBinderProvider>();
        providers.OfType<LastEventIdModelBinderProvider>().Should().ContainSingle();
    }
}
