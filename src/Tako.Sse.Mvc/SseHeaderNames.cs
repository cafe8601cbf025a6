namespace Tako.Sse.Mvc;

/// <summary>Names of the HTTP headers that Server-Sent Events use.</summary>
public static class SseHeaderNames
{
    /// <summary>
    /// <c>Last-Event-ID</c>: the request header in which a reconnecting <c>EventSource</c> sends back the last
    /// <c>id:</c> it received, so the server can resume the stream after it.
    /// </summary>
    public const string LastEventId = "Last-Event-ID";
}
