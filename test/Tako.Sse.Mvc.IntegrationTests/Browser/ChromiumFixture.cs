using Microsoft.Playwright;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Browser;

/// <summary>
/// Debian's Chromium driven by Playwright, and the sample app it browses. Playwright's own browser download is
/// not used: the tests need only <c>/usr/bin/chromium</c> and the driver shipped in the Playwright package.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    /// <summary>Debian's Chromium, unless <c>TAKO_CHROMIUM</c> names another Chromium executable.</summary>
    public static readonly string ExecutablePath = Environment.GetEnvironmentVariable("TAKO_CHROMIUM") is { Length: > 0 } path
        ? path
        : "/usr/bin/chromium";

    // Set by .ci/run: there a missing browser fails the tests instead of skipping them.
    private const string RequireBrowserVariable = "TAKO_REQUIRE_BROWSER";

    private static readonly string[] s_arguments =
    [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
    ];

    private IPlaywright? _playwright;

    public IBrowser? Browser { get; private set; }

    /// <summary>The sample app, with a 200 ms keep-alive so that idle streams carry comments during a test.</summary>
    public TestApp? Sample { get; private set; }

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            return;
        }

        Sample = await TestApp.StartSampleAsync(SampleFixture.ShortKeepAlive);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = s_arguments,
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (Sample is not null)
        {
            await Sample.DisposeAsync();
        }
    }

    /// <summary>Opens the sample page in a fresh browser context; skips the test when there is no Chromium.</summary>
    public async Task<SamplePage> OpenSampleAsync() => await SamplePage.OpenAsync(RequireBrowser(), Sample!.BaseAddress);

    /// <summary>
    /// The browser, for a test that starts an app of its own; skips the test when there is no Chromium (fails
    /// it under <c>TAKO_REQUIRE_BROWSER=1</c>).
    /// </summary>
    public IBrowser RequireBrowser()
    {
        if (Browser is null || Sample is null)
        {
            var message = $"Chromium was not found at {ExecutablePath}. Install it to run the browser tests: " +
                "`sudo apt-get install -y chromium` on Debian or Ubuntu, or run `bash .ci/run`, which installs it.";
            if (Environment.GetEnvironmentVariable(RequireBrowserVariable) == "1")
            {
                throw new InvalidOperationException($"{message} ({RequireBrowserVariable}=1: a missing browser is a failure.)");
            }

            Skip.If(true, message);
        }

        return Browser!;
    }
}
