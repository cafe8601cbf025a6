namespace Tako.Sse.Mvc.IntegrationTests.Browser;

/// <summary>What the browser tests wait for on the page's one stream (<c>GET /live</c>, held by a SharedWorker).</summary>
internal static class LivePage
{
    /// <summary>
    /// The shared stream is open with its four public channels at least, and the tab's start-up requests are
    /// done; a visible tab also runs its demo.
    /// </summary>
    public const string Ready = """
        () => {
          const s = window.sample;
          return s.states.live === 'open' && s.shared.channels.length >= 4 && s.states.clock === 'closed'
            && s.progress.done && s.connections.waiting === 0
            && (document.visibilityState === 'hidden' || s.states.ticker === 'open');
        }
        """;

    /// <summary>The page shows the chat message whose text is the argument.</summary>
    public const string Received = "text => window.sample.chat.messages.some(m => m.text === text)";
}
