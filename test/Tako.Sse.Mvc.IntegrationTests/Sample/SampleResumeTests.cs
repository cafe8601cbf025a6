using System.Net;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Sample;

public class SampleResumeTests(SampleFixture sample) : IClassFixture<SampleFixture>
{
    private HttpClient Client => sample.App.Client;

    [Fact]
    public async Task Resume_WithLastEventId_SendsResumedThenTheNumbersAfterIt()
    {
        using var response = await Client.OpenAsync("/resume?client=after-41", r => r.Headers.Add("Last-Event-ID", "41"));
        await using var events = await response.EventsAsync();

        var resumed = await events.NextAsync();
        var first = await events.NextAsync();
        var second = await events.NextAsync();

        (resumed.EventType, resumed.Data, resumed.EventId).Should().Be(("resumed", "41", null));
        (first.Data, first.EventId).Should().Be(("42", "42"));
        (second.Data, second.EventId).Should().Be(("43", "43"));
    }

    [Fact]
    public async Task Drop_OpenStream_EndsItSoTheBrowserReconnects()
    {
        using var response = await Client.OpenAsync("/resume?client=to-drop");
        await using var events = await response.EventsAsync();
        (await events.NextAsync()).Data.Should().Be("1");

        using var drop = await Client.PostAsync(new Uri("/resume/drop?client=to-drop", UriKind.Relative), null);

        drop.StatusCode.Should().Be(HttpStatusCode.NoContent);
        using var timeout = new CancellationTokenSource(Poll.Deadline);
        while (await events.MoveNextAsync().AsTask().WaitAsync(timeout.Token))
        {
            // Numbers already on the way may still arrive; the stream must then end.
        }
    }

    [Fact]
    public async Task Drop_NoOpenStream_Returns404()
    {
        using var drop = await Client.PostAsync(new Uri("/resume/drop?client=nobody", UriKind.Relative), null);

        drop.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Resume_WithoutClient_Returns400()
    {
        using var response = await Client.GetAsync(new Uri("/resume", UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }
}
