using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc.Tests.DependencyInjection;

/// <summary>A duration in configuration that is not one fails once, naming the key and the format.</summary>
public class TakoSseConfigurationDurationTests
{
    [Theory]
    [InlineData("KeepAlive", "abc")]
    [InlineData("KeepAlive", "5s")]
    [InlineData("WriteTimeout", "30 seconds")]
    [InlineData("Channels:HistoryMaxAge", "5m")]
    public async Task StartAsync_MalformedDuration_FailsOnceNamingKeyAndFormat(string key, string value)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Tako:Sse:" + key] = value });
        builder.Services.AddTakoSse();
        using var host = builder.Build();

        var start = () => host.StartAsync();

        var failure = (await start.Should().ThrowExactlyAsync<OptionsValidationException>()).Which;
        failure.Failures.Should().ContainSingle().Which.Should()
            .Be($"Tako:Sse:{key} is \"{value}\", which is not a duration. Write a duration as hh:mm:ss, for example \"00:00:15\" for 15 seconds, or \"off\" (or an empty value) to turn it off.");
        failure.InnerException.Should().BeNull("the message says it all: no conversion stack below it");
    }

    [Fact]
    public async Task StartAsync_DurationWithSpaces_Binds()
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Tako:Sse:KeepAlive"] = " 00:00:07 " });
        builder.Services.AddTakoSse();
        using var host = builder.Build();

        await host.StartAsync();

        host.Services.GetRequiredService<IOptions<TakoSseOptions>>().Value.KeepAlive.Should().Be(TimeSpan.FromSeconds(7));
        await host.StopAsync();
    }
}
