using System.Text.Json;
using Microsoft.Playwright;

namespace Tako.Sse.Mvc.IntegrationTests.Browser;

/// <summary>
/// The sample page in its own browser context (or, from <see cref="OpenTabAsync"/>, another tab of the same
/// one), with bounded waits on what the page has seen.
/// </summary>
public sealed class SamplePage : IAsyncDisposable
{
    /// <summary>
    /// A generous bound for anything the page should see: the slowest wait is a five-second job, and the
    /// machine may be loaded.
    /// </summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    private readonly IBrowserContext _context;
    private readonly bool _ownsContext;
    private readonly List<string> _errors = [];

    private SamplePage(IBrowserContext context, IPage page, bool ownsContext)
    {
        _context = context;
        _ownsContext = ownsContext;
        Page = page;
        page.PageError += (_, error) => { lock (_errors) { _errors.Add(error); } };
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (_errors) { _errors.Add(message.Text); }
            }
        };
    }

    public IPage Page { get; }

    /// <summary>Script errors and console errors of the page so far.</summary>
    public IReadOnlyList<string> Errors
    {
        get { lock (_errors) { return [.. _errors]; } }
    }

    /// <summary>Opens the sample in a fresh browser context.</summary>
    /// <param name="browser">The browser.</param>
    /// <param name="address">The page's address.</param>
    /// <param name="initScript">Script that runs in every page of the context before the page's own, for example to take a browser feature away.</param>
    public static async Task<SamplePage> OpenAsync(IBrowser browser, Uri address, string? initScript = null)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        if (initScript is not null)
        {
            await context.AddInitScriptAsync(initScript);
        }

        return await OpenAsync(context, address, ownsContext: true);
    }

    /// <summary>
    /// Opens the sample in another tab of this page's browser context: the same profile, so the tabs share the
    /// browser's six connections per server, as tabs of one browser do. Disposing the tab closes only the tab.
    /// </summary>
    public async Task<SamplePage> OpenTabAsync() => await OpenAsync(_context, new Uri(Page.Url), ownsContext: false);

    private static async Task<SamplePage> OpenAsync(IBrowserContext context, Uri address, bool ownsContext)
    {
        var page = new SamplePage(context, await context.NewPageAsync(), ownsContext);
        await page.Page.GotoAsync(address.ToString(), new PageGotoOptions { Timeout = (float)Deadline.TotalMilliseconds });
        return page;
    }

    /// <summary>Waits until the JavaScript <paramref name="condition"/> (over <c>window.sample</c>) holds.</summary>
    public async Task WaitForAsync(string condition, object? argument = null)
    {
        try
        {
            await Page.WaitForFunctionAsync(condition, argument, new PageWaitForFunctionOptions
            {
                Timeout = (float)Deadline.TotalMilliseconds,
                PollingInterval = 100,
            });
        }
        catch (TimeoutException exception)
        {
            var state = await Page.EvaluateAsync<string>("() => JSON.stringify(window.sample)");
            throw new TimeoutException($"`{condition}` did not hold within {Deadline}. The page saw: {state}", exception);
        }
    }

    /// <summary>
    /// Tells the page its tab was hidden or shown, as the browser does when the user switches tabs: sets
    /// <c>document.visibilityState</c> and <c>document.hidden</c> and fires <c>visibilitychange</c>. Chromium
    /// under Playwright never does it itself, headless or headful (under Xvfb) alike: every page of a context
    /// (tabs of one window) reports <c>visible</c>, and keeps it when another is brought to the front or,
    /// headless, when the window is minimized.
    /// </summary>
    /// <param name="state"><c>hidden</c> or <c>visible</c>.</param>
    public async Task SetVisibilityAsync(string state) => await Page.EvaluateAsync("""
        state => {
          Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
          Object.defineProperty(document, 'hidden', { configurable: true, get: () => state === 'hidden' });
          document.dispatchEvent(new Event('visibilitychange'));
        }
        """, state);

    /// <summary>Reads part of what the page saw, for example <c>sample.feed.events</c>, through JSON.</summary>
    public async Task<T> ReadAsync<T>(string expression)
    {
        var json = await Page.EvaluateAsync<string>($"() => JSON.stringify({expression})");
        return JsonSerializer.Deserialize<T>(json, JsonSerializerOptions.Web)!;
    }

    public async Task<string> TextAsync(string selector) => await Page.Locator(selector).InnerTextAsync();

    public async ValueTask DisposeAsync()
    {
        if (_ownsContext)
        {
            await _context.CloseAsync();
        }
        else
        {
            await Page.CloseAsync();
        }
    }
}
