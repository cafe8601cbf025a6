using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;
using Tako.Sse.Mvc.Sample.Controllers;

namespace Tako.Sse.Mvc.IntegrationTests.Sample;

public class SampleChatTests(SampleFixture sample) : IClassFixture<SampleFixture>
{
    private HttpClient Client => sample.App.Client;

    private ISseHub Hub => sample.App.Services.GetRequiredService<ISseHub>();

    [Fact]
    public async Task Publish_Message_ReachesEverySubscriberWithTheIdItWasGiven()
    {
        using var first = await Client.OpenAsync("/chat");
        using var second = await Client.OpenAsync("/chat?client=second");
        await using var firstEvents = await first.EventsAsync();
        await using var secondEvents = await second.EventsAsync();
        await Poll.UntilAsync(() => Hub.GetSubscriberCount(ChatController.Channel) >= 2, "both subscribers");

        var id = await PublishAsync("ann", "hello\n\nevent: click");

        foreach (var events in new[] { firstEvents, secondEvents })
        {
            var item = await NextChatAsync(events, id);
            item.EventType.Should().Be("chat");
            using var json = JsonDocument.Parse(item.Data);
            json.RootElement.GetProperty("name").GetString().Should().Be("ann");
            json.RootElement.GetProperty("text").GetString().Should().Be("hello\n\nevent: click", "line breaks travel inside the JSON, never as fields");
        }
    }

    [Fact]
    public async Task Subscribe_WithLastEventId_SendsWhatWasPublishedAfterItFromTheHistory()
    {
        var before = await PublishAsync("ann", "one");
        var missedFirst = await PublishAsync("bob", "two");
        var missedSecond = await PublishAsync("ann", "three");

        using var response = await Client.OpenAsync("/chat", r => r.Headers.Add("Last-Event-ID", before));
        await using var events = await response.EventsAsync();

        (await events.NextAsync()).EventId.Should().Be(missedFirst);
        (await events.NextAsync()).EventId.Should().Be(missedSecond);
    }

    [Theory]
    [InlineData("""{"name":"ann","text":""}""")]
    [InlineData("""{"name":"","text":"hi"}""")]
    [InlineData("""{"name":"ann"}""")]
    public async Task Publish_EmptyNameOrText_Returns400(string body)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await Client.PostAsync(new Uri("/chat", UriKind.Relative), content);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Publish_TooLongText_Returns400()
    {
        using var response = await Client.PostAsJsonAsync("/chat", new { name = "ann", text = new string('x', 501) });

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Subscribe_ClientIdLongerThan64_Returns400WithNoStream()
    {
        using var response = await Client.OpenAsync($"/chat?client={new string('c', 65)}");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType?.MediaType.Should().NotBe("text/event-stream");
    }

    [Fact]
    public async Task Drop_OpenStream_EndsItThenFindsNothingToDrop()
    {
        using var response = await Client.OpenAsync("/chat?client=chat-to-drop");
        await using var events = await response.EventsAsync();
        await Poll.UntilAsync(() => Hub.GetSubscriberCount(ChatController.Channel) >= 1, "the subscriber");

        using var drop = await Client.PostAsync(new Uri("/chat/drop?client=chat-to-drop", UriKind.Relative), null);
        drop.StatusCode.Should().Be(HttpStatusCode.NoContent);

        // Events already on the way may still arrive; the stream must then end.
        using var timeout = new CancellationTokenSource(Poll.Deadline);
        while (await events.MoveNextAsync().AsTask().WaitAsync(timeout.Token))
        {
        }

        await Poll.UntilAsync(() => Hub.GetSubscriberCount(ChatController.Channel) == 0, "the subscriber to leave");
        using var again = await Client.PostAsync(new Uri("/chat/drop?client=chat-to-drop", UriKind.Relative), null);
        again.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    private async Task<string> PublishAsync(string name, string text)
    {
        using var response = await Client.PostAsJsonAsync("/chat", new { name, text });
        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("id").GetString()!;
    }

    // Other tests of the class publish to the same public channel; skip their messages.
    private static async Task<System.Net.ServerSentEvents.SseItem<string>> NextChatAsync(IAsyncEnumerator<System.Net.ServerSentEvents.SseItem<string>> events, string id)
    {
        while (true)
        {
            var item = await events.NextAsync();
            if (item.EventId == id)
            {
                return item;
            }
        }
    }
}
