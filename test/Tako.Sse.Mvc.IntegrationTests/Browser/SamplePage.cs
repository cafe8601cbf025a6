using System.Text.Json;
using Microsoft.Playwright;

namespace Tako.Sse.Mvc.IntegrationTests.Browser;

/// <summary>The sample page in its own browser context, with bounded waits on what the page has seen.</summary>
public sealed class SamplePage : IAsyncDisposable
{
    /// <summary>
    /// A generous bound for anything the page should see: the slowest wait is a five-second job, and the
    /// machine may be loaded.
    /// </summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    private readonly IBrowserContext _context;
    private readonly List<string> _errors = [];

    private SamplePage(IBrowserContext context, IPage page)
    {
        _context = context;
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

    public static async Task<SamplePage> OpenAsync(IBrowser browser, Uri address)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        var page = new SamplePage(context, await context.NewPageAsync());
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

    /// <summary>Reads part of what the page saw, for example <c>sample.feed.events</c>, through JSON.</summary>
    public async Task<T> ReadAsync<T>(string expression)
    {
        var json = await Page.EvaluateAsync<string>($"() => JSON.stringify({expression})");
        return JsonSerializer.Deserialize<T>(json, JsonSerializerOptions.Web)!;
    }

    public async Task<string> TextAsync(string selector) => await Page.Locator(selector).InnerTextAsync();

    public async ValueTask DisposeAsync() => await _context.CloseAsync();
}
