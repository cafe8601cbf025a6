using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.Mvc;

namespace Tako.Sse.Mvc.Sample.Controllers;

/// <summary>The seed page's ticker on the raw path: each chunk of bytes becomes one message.</summary>
/// <param name="timeProvider">The clock that paces the ticks.</param>
public sealed class TickerController(TimeProvider timeProvider) : ControllerBase
{
    private static readonly TimeSpan s_period = TimeSpan.FromSeconds(1);

    /// <summary>One <c>tick: n</c> message a second, forever, on the raw path (bytes in, one message per chunk).</summary>
    /// <returns>The stream.</returns>
    [HttpGet("/events")]
    [ProducesServerSentEvents(typeof(string))]
    public SseActionResult Events() => new(Ticks(timeProvider));

    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> Ticks(
        TimeProvider timeProvider,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (long i = 0; ; i++)
        {
            await Task.Delay(s_period, timeProvider, cancellationToken);
            yield return Encoding.UTF8.GetBytes($"tick: {i}");
        }
    }
}
