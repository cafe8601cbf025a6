using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;
using Tako.Sse.Mvc.Sample.Logging;

namespace Tako.Sse.Mvc.IntegrationTests.Sample;

/// <summary>The sample's OpenAPI document, and the client ids its drop buttons use: never forged into logs, never shown whole.</summary>
public class SampleOpenApiAndClientIdTests(SampleFixture sample) : IClassFixture<SampleFixture>
{
    private HttpClient Client => sample.App.Client;

    [Fact]
    public async Task OpenApi_SampleDocument_DescribesChatAsEventStreamOfChatMessages()
    {
        await using var json = await Client.GetStreamAsync("/openapi/v1.json");
        var result = await OpenApiDocument.LoadAsync(json, "json", new OpenApiReaderSettings());

        result.Diagnostic!.Errors.Should().BeEmpty();
        var chat = result.Document!.Paths["/chat"].Operations![HttpMethod.Get].Responses!["200"];
        chat.Content.Should().ContainKey("text/event-stream");
        chat.Content["text/event-stream"].Schema.Should().BeOfType<OpenApiSchemaReference>().Which.Reference.Id.Should().Be("ChatMessage");

        // The sample documents its actions with XML comments, and Microsoft.AspNetCore.OpenApi puts an action's
        // <returns> where the event names would be (docs/minimal-apis.md says so).
        chat.Description.Should().StartWith("The stream");
        result.Document.Components!.Schemas.Should().ContainKey("ChatMessage");
    }

    [Theory]
    [InlineData("/chat?client=a%0D%0Aforged")]
    [InlineData("/resume?client=a%0Aforged")]
    [InlineData("/resume?client=%E2%80%AEevil")]
    public async Task Stream_ClientIdWithLineBreakOrFormatting_Returns400(string path)
    {
        using var response = await Client.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Drop_Logged_ShowsOnlyTheIdsFirstCharacters()
    {
        const string Client = "0123456789abcdef0123456789abcdef";
        using var stream = await this.Client.OpenAsync("/resume?client=" + Client);
        await using var events = await stream.EventsAsync();
        await events.NextAsync();
        var tail = sample.App.Services.GetRequiredService<LogTail>();
        var logs = new List<LogEntry>();
        using var following = new CancellationTokenSource(Poll.Deadline);
        var reading = Task.Run(async () =>
        {
            await foreach (var entry in tail.FollowAsync(following.Token))
            {
                lock (logs)
                {
                    logs.Add(entry);
                }
            }
        });

        using var drop = await this.Client.PostAsync(new Uri("/resume/drop?client=" + Client, UriKind.Relative), null);

        drop.StatusCode.Should().Be(HttpStatusCode.NoContent);
        await Poll.UntilAsync(() => { lock (logs) { return logs.Any(l => l.Message.Contains("dropped on request", StringComparison.Ordinal)); } }, "the drop is logged");
        lock (logs)
        {
            logs.Should().Contain(l => l.Message.Contains("01234567…", StringComparison.Ordinal));
            var nine = Client[..9];
            logs.Should().NotContain(l => l.Message.Contains(nine, StringComparison.Ordinal), "a whole id would let any visitor of /logs drop that stream");
        }

        await following.CancelAsync();
        await reading.ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
