using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Mvc;

namespace Tako.Sse.Mvc.Sample.Controllers;

/// <summary>A long job's progress: <c>progress</c> events with a percentage, a <c>done</c> event, then the end of the stream.</summary>
/// <param name="timeProvider">The clock of the pretend job.</param>
/// <param name="logger">Logs the job's start and end.</param>
public sealed class ProgressController(TimeProvider timeProvider, ILogger<ProgressController> logger) : ControllerBase
{
    private const int StepPercent = 5;
    private static readonly TimeSpan s_stepDuration = TimeSpan.FromMilliseconds(250);
    private static long s_lastJobId;

    /// <summary>Runs a new five-second job for this request and reports its progress.</summary>
    /// <returns>The stream; it ends after the <c>done</c> event, so the page closes its EventSource there.</returns>
    [HttpGet("/progress")]
    [ProducesServerSentEvents(typeof(int), "progress")]
    [ProducesServerSentEvents(typeof(string), "done")]
    public SseActionResult Progress() => new(RunJob(Interlocked.Increment(ref s_lastJobId)));

    private async IAsyncEnumerable<SseEvent> RunJob(long jobId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        SampleLog.ProgressJobStarted(logger, jobId);
        for (var percent = 0; percent <= 100; percent += StepPercent)
        {
            if (percent > 0)
            {
                await Task.Delay(s_stepDuration, timeProvider, cancellationToken);
            }

            yield return SseEvent.FromData(percent.ToString(CultureInfo.InvariantCulture)).WithEvent("progress");
        }

        SampleLog.ProgressJobFinished(logger, jobId);
        yield return SseEvent.FromData(string.Create(CultureInfo.InvariantCulture, $"job {jobId} finished")).WithEvent("done");
    }
}
