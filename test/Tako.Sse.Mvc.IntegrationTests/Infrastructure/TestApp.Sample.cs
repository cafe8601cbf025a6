using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Tako.Sse.Mvc.Sample;

namespace Tako.Sse.Mvc.IntegrationTests.Infrastructure;

public sealed partial class TestApp
{
    /// <summary>
    /// Starts the real sample app (<see cref="SampleApp.Build(string[], Action{Microsoft.AspNetCore.Builder.WebApplicationBuilder})"/>:
    /// its controllers, wwwroot and appsettings.json) on 127.0.0.1 with an OS-chosen port.
    /// </summary>
    /// <param name="args">Extra command-line arguments, for example <c>--Tako:Sse:KeepAlive=00:00:00.2</c>.</param>
    public static Task<TestApp> StartSampleAsync(params string[] args) => StartSampleAsync(configure: null, args);

    /// <summary>Starts the real sample app, letting the test add to its services (a middleware through an <c>IStartupFilter</c>).</summary>
    /// <param name="configure">Runs after the sample has registered its services.</param>
    /// <param name="args">Extra command-line arguments.</param>
    public static async Task<TestApp> StartSampleAsync(Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure, params string[] args)
    {
        string[] commandLine =
        [
            $"--contentRoot={RepositoryPaths.SampleDirectory}",
            "--urls=http://127.0.0.1:0",

            // The test output stays readable; the log tail and the fake collector still get every entry.
            "--Logging:Console:LogLevel:Default=None",
            .. args,
        ];
        var app = SampleApp.Build(commandLine, builder =>
        {
            builder.Logging.AddFakeLogging();
            configure?.Invoke(builder);
        });
        await app.StartAsync();

        return new TestApp(app, LoopbackApp.AddressOf(app), HttpProtocols.Http1);
    }
}
