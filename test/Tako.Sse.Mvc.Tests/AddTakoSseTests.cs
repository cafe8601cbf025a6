using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace Tako.Sse.Mvc.Tests;

public class AddTakoSseTests
{
    [Fact]
    public void AddTakoSse_Once_RegistersEverySingleton()
    {
        using var provider = new ServiceCollection().AddTakoSse().Services.BuildServiceProvider();

        provider.GetRequiredService<ISseEncoder>().Should().BeOfType<SseEncoder>();
        provider.GetRequiredService<TimeProvider>().Should().BeSameAs(TimeProvider.System);
        provider.GetRequiredService<IActionResultExecutor<SseActionResult>>().Should().NotBeNull();
        provider.GetRequiredService<ISseHub>().Should().BeOfType<InMemorySseHub>();
        provider.GetServices<IValidateOptions<TakoSseOptions>>().Select(v => v.GetType()).Should()
            .BeEquivalentTo([typeof(TakoSseOptionsValidator), typeof(SseChannelOptionsValidator), typeof(SseChannelAuthorizationOptionsValidator)]);
        provider.GetRequiredService<SseChannelAuthorization>().Should().NotBeNull();
    }

    [Fact]
    public void AddTakoSse_Twice_RegistersEachServiceOnce()
    {
        var services = new ServiceCollection();

        services.AddTakoSse();
        services.AddTakoSse();

        services.Count(d => d.ServiceType == typeof(ISseEncoder)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IValidateOptions<TakoSseOptions>)).Should().Be(3);
        services.Count(d => d.ServiceType == typeof(SseChannelAuthorization)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(ISseHub)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(TimeProvider)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IActionResultExecutor<SseActionResult>)).Should().Be(1);

        // The configuration binder is the only IConfigureOptions: the section is bound once.
        services.Count(d => d.ServiceType == typeof(IConfigureOptions<TakoSseOptions>)).Should().Be(1);
    }

    [Fact]
    public void AddTakoSse_TwiceWithDelegates_RunsEachDelegateOnce()
    {
        var calls = 0;
        var services = new ServiceCollection();

        services.AddTakoSse(_ => calls++);
        services.AddTakoSse(o => o.KeepAliveComment = "second");
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<TakoSseOptions>>().Value;

        calls.Should().Be(1);
        options.KeepAliveComment.Should().Be("second");
        services.Count(d => d.ServiceType == typeof(IConfigureOptions<TakoSseOptions>)).Should().Be(3);
    }

    [Fact]
    public void AddTakoSse_EncoderRegisteredBefore_KeepsUserEncoder()
    {
        var mine = Mock.Of<ISseEncoder>();
        var services = new ServiceCollection().AddSingleton(mine);

        services.AddTakoSse();
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<ISseEncoder>().Should().BeSameAs(mine);
        services.Count(d => d.ServiceType == typeof(ISseEncoder)).Should().Be(1);
    }

    [Fact]
    public void AddTakoSse_EncoderRegisteredAfter_UserEncoderWins()
    {
        var mine = Mock.Of<ISseEncoder>();
        var services = new ServiceCollection().AddTakoSse().Services;

        services.AddSingleton(mine);
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<ISseEncoder>().Should().BeSameAs(mine);
    }

    [Fact]
    public void AddTakoSse_TimeProviderRegisteredBefore_KeepsIt()
    {
        var fake = new FakeTimeProvider();
        var services = new ServiceCollection().AddSingleton<TimeProvider>(fake);

        services.AddTakoSse();
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<TimeProvider>().Should().BeSameAs(fake);
        services.Count(d => d.ServiceType == typeof(TimeProvider)).Should().Be(1);
    }

    [Fact]
    public void AddTakoSse_TimeProviderRegisteredAfter_UsesIt()
    {
        var fake = new FakeTimeProvider();
        var services = new ServiceCollection().AddTakoSse().Services.AddSingleton<TimeProvider>(fake);
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<TimeProvider>().Should().BeSameAs(fake);
    }

    [Fact]
    public void AddTakoSse_NullServices_ThrowsArgumentNull()
    {
        FluentActions.Invoking(() => TakoSseServiceCollectionExtensions.AddTakoSse(null!)).Should().ThrowExactly<ArgumentNullException>().WithParameterName("services");
        FluentActions.Invoking(() => TakoSseServiceCollectionExtensions.AddTakoSse(null!, _ => { })).Should().ThrowExactly<ArgumentNullException>().WithParameterName("services");
    }

    [Fact]
    public void AddTakoSse_NullConfigure_ThrowsArgumentNull() =>
        FluentActions.Invoking(() => new ServiceCollection().AddTakoSse(null!)).Should().ThrowExactly<ArgumentNullException>().WithParameterName("configure");
}
