using Microsoft.Extensions.DependencyInjection;
using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Browser;

// docs/scale-out.md's walk-through, in Chromium: two instances of the sample on one redis-server (their own,
// on a free loopback port), a page on each, a chat message typed on one appearing on the other.
[Collection(ChromiumCollection.Name)]
public class ScaleOutPageTests(ChromiumFixture chromium)
{
    private const string Ready = "() => window.sample.states.live === 'open' && window.sample.connections.waiting === 0";

    [SkippableFact]
    public async Task Chat_TwoSampleInstancesOnOneRedis_MessageTypedOnOneAppearsOnTheOther()
    {
        // Skips (or fails, in CI) as every browser test does when there is no Chromium.
        await (await chromium.OpenSampleAsync()).DisposeAsync();
        await using var redis = await RedisServer.StartAsync();
        var connection = $"--ConnectionStrings:Redis={redis.EndPoint}";
        await using var first = await TestApp.StartSampleAsync(SampleFixture.ShortKeepAlive, connection);
        await using var second = await TestApp.StartSampleAsync(SampleFixture.ShortKeepAlive, connection);
        first.Services.GetRequiredService<ISseHub>().GetType().Name.Should().Be("RedisSseHub");

        await using var writer = await SamplePage.OpenAsync(chromium.Browser!, first.BaseAddress);
        await using var reader = await SamplePage.OpenAsync(chromium.Browser!, second.BaseAddress);
        await Task.WhenAll(writer.WaitForAsync(Ready), reader.WaitForAsync(Ready));
        var text = $"hello from the other instance {Guid.NewGuid():N}";

        await writer.Page.FillAsync("#chat-input", text);
        await writer.Page.ClickAsync("#chat-send");
        await reader.WaitForAsync("text => window.sample.chat.messages.some(m => m.text === text)", text);

        (await reader.TextAsync("#chat-messages")).Should().Contain(text);
        (await writer.ReadAsync<int>("window.sample.chat.duplicates")).Should().Be(0);
        (await reader.ReadAsync<int>("window.sample.chat.duplicates")).Should().Be(0);
        reader.Errors.Should().BeEmpty();
        writer.Errors.Should().BeEmpty();
    }
}
