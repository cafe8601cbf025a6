using System.Globalization;
using Microsoft.AspNetCore.Mvc;

namespace Tako.Sse.Mvc.Sample.Controllers;

/// <summary>
/// An event stream written by hand, without <see cref="SseActionResult"/>. It sets nothing but the content
/// type: <c>app.UseSseHeaders()</c> adds <c>Cache-Control</c>, <c>X-Accel-Buffering: no</c> and
/// <c>Connection: keep-alive</c> (on HTTP/1.1), and turns response buffering off, so proxies pass it through.
/// </summary>
/// <param name="timeProvider">The clock it reads.</param>
/// <param name="lifetime">Ends the stream when the application stops (SseActionResult does that on its own).</param>
public sealed class ClockController(TimeProvider timeProvider, IHostApplicationLifetime lifetime) : ControllerBase
{
    private static readonly TimeSpan s_period = TimeSpan.FromSeconds(1);

    /// <summary>The server's time once a second, as hand-written <c>data:</c> frames.</summary>
    /// <param name="requestAborted">Fires when the client goes away.</param>
    /// <returns>A task that completes when the client leaves or the application stops.</returns>
    [HttpGet("/clock")]
    public async Task Clock(CancellationToken requestAborted)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, lifetime.ApplicationStopping);
        Response.ContentType = "text/event-stream";
        try
        {
            while (true)
            {
                var now = timeProvider.GetLocalNow();
                await Response.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"data: {now:HH:mm:ss}\n\n"), stop.Token);
                await Response.Body.FlushAsync(stop.Token);
                await Task.Delay(s_period, timeProvider, stop.Token);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The client left or the application is stopping: the response just ends.
        }
    }
}
