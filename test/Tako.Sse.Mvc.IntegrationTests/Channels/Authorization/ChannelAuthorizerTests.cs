using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tako.Sse.Mvc.IntegrationTests.Channels.Authorization;

/// <summary>Layer 2 of "who may subscribe": the application's <see cref="ISseChannelAuthorizer"/>s, asked before the stream opens.</summary>
public sealed class ChannelAuthorizerTests
{
    [Theory]
    [MemberData(nameof(AuthApp.Endpoints), MemberType = typeof(AuthApp))]
    public async Task Subscribe_AuthorizerRefusesSignedInUser_403WithNoStreamAndNoSubscriber(string endpoint)
    {
        await using var app = await AuthApp.StartAsync(tako: t => t.AddChannelAuthorizer<PrefixAuthorizer>());
        using var subscribers = app.Metric("tako.sse.channel.subscribers");
        using var streams = app.Metric("tako.sse.active_streams");
        using var bob = await app.SignInAsync("bob");

        using var response = await bob.OpenAsync(AuthApp.PathOf(endpoint, "team:red"));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        UserChannelTests.AssertNoStream(app, response, subscribers, streams);
    }

    [Theory]
    [MemberData(nameof(AuthApp.Endpoints), MemberType = typeof(AuthApp))]
    public async Task Subscribe_AuthorizerRefusesAnonymous_401(string endpoint)
    {
        await using var app = await AuthApp.StartAsync(tako: t => t.AddChannelAuthorizer<PrefixAuthorizer>());
        using var subscribers = app.Metric("tako.sse.channel.subscribers");
        using var streams = app.Metric("tako.sse.active_streams");

        using var response = await app.Client.OpenAsync(AuthApp.PathOf(endpoint, "team:red"));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        UserChannelTests.AssertNoStream(app, response, subscribers, streams);
    }

    [Theory]
    [MemberData(nameof(AuthApp.Endpoints), MemberType = typeof(AuthApp))]
    public async Task Subscribe_AuthorizerAllows_StreamsTheChannel(string endpoint)
    {
        await using var app = await AuthApp.StartAsync(tako: t => t.AddChannelAuthorizer<PrefixAuthorizer>());
        using var red = await app.SignInAsync("red-alice");
        await using var stream = await app.SubscribeAsync(AuthApp.PathOf(endpoint, "team:red"), client: red);

        await app.Hub().PublishAsync("team:red", SseEvent.FromData("red only"));

        (await stream.NextAsync()).Data.Should().Be("red only");
    }

    [Fact]
    public async Task Subscribe_DelegateAuthorizer_GetsTheRequestAndTheChannelAndDecides()
    {
        var asked = new ConcurrentQueue<(string? User, string Channel)>();
        await using var app = await AuthApp.StartAsync(tako: t => t.AddChannelAuthorizer((context, channel) =>
        {
            asked.Enqueue((context.User.Identity?.Name, channel));
            return ValueTask.FromResult(channel != "closed");
        }));
        using var alice = await app.SignInAsync("alice");

        await using var open = await app.SubscribeAsync("/minimal/open", client: alice);
        using var closed = await alice.OpenAsync("/minimal/closed");

        closed.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        asked.Should().Equal(("alice", "open"), ("alice", "closed"));
        app.Hub().GetSubscriberCount("open").Should().Be(1);
        app.Hub().GetSubscriberCount("closed").Should().Be(0);
    }

    [Fact]
    public async Task Subscribe_SeveralAuthorizers_EveryOneMustAllow()
    {
        await using var app = await AuthApp.StartAsync(tako: t => t
            .AddChannelAuthorizer((_, channel) => ValueTask.FromResult(!channel.Contains("first-says-no", StringComparison.Ordinal)))
            .AddChannelAuthorizer((_, channel) => ValueTask.FromResult(!channel.Contains("second-says-no", StringComparison.Ordinal)))
            .AddChannelAuthorizer<PrefixAuthorizer>());
        using var red = await app.SignInAsync("red-alice");

        using var byFirst = await red.OpenAsync("/minimal/team:red-first-says-no");
        using var bySecond = await red.OpenAsync("/minimal/team:red-second-says-no");
        using var byThird = await red.OpenAsync("/minimal/team:blue");
        await using var allowed = await app.SubscribeAsync("/minimal/team:red-fine", client: red);

        byFirst.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        bySecond.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        byThird.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        allowed.Response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Subscribe_AuthorizerThrows_500LoggedOnceAndNoStream()
    {
        await using var app = await AuthApp.StartAsync(tako: t => t.AddChannelAuthorizer<ThrowingAuthorizer>());
        using var subscribers = app.Metric("tako.sse.channel.subscribers");
        using var streams = app.Metric("tako.sse.active_streams");
        using var refused = app.Metric("tako.sse.channel.subscriptions_refused");
        using var alice = await app.SignInAsync("alice");

        using var response = await alice.OpenAsync("/minimal/orders");

        response.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        UserChannelTests.AssertNoStream(app, response, subscribers, streams);
        var logged = app.Logs.GetSnapshot().Where(r => r.Exception is not null).ToList();
        logged.Should().ContainSingle().Which.Exception.Should().BeOfType<InvalidOperationException>().Which.Message.Should().Be(ThrowingAuthorizer.Message);
        logged[0].Id.Should().Be(new EventId(37, "SseChannelAuthorizerFailed"));
        logged[0].Level.Should().Be(LogLevel.Error);
        logged[0].Message.Should().Contain(typeof(ThrowingAuthorizer).FullName!).And.Contain("orders");
        refused.GetMeasurementSnapshot().Should().ContainSingle().Which.Tags["reason"].Should().Be("authorizer_failed");
    }

    [Fact]
    public async Task Subscribe_AuthorizerRefuses_CountedByReasonAndLoggedAtInformation()
    {
        await using var app = await AuthApp.StartAsync(tako: t => t.AddChannelAuthorizer<PrefixAuthorizer>());
        using var refused = app.Metric("tako.sse.channel.subscriptions_refused");
        using var bob = await app.SignInAsync("bob");

        using var response = await bob.OpenAsync("/minimal/team:red");

        refused.GetMeasurementSnapshot().Should().ContainSingle().Which.Tags["reason"].Should().Be("authorizer");
        var logged = app.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Name == "SseChannelAuthorizerRefused").Which;
        (logged.Id.Id, logged.Level, logged.Category).Should().Be((36, LogLevel.Information, "Tako.Sse.Mvc.ISseHub"));
        logged.Message.Should().Contain("team:red").And.Contain("403").And.Contain(typeof(PrefixAuthorizer).FullName!);
        app.Logs.GetSnapshot().Should().NotContain(r => r.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task Subscribe_UserChannelOfAnother_RefusedBeforeAnyAuthorizerIsAsked()
    {
        var asked = 0;
        await using var app = await AuthApp.StartAsync(tako: t => t.AddChannelAuthorizer((_, _) =>
        {
            Interlocked.Increment(ref asked);
            return ValueTask.FromResult(true);
        }));
        using var bob = await app.SignInAsync("bob");

        using var anonymous = await app.Client.OpenAsync("/minimal/" + Uri.EscapeDataString("notifications#alice"));
        using var other = await bob.OpenAsync("/minimal/" + Uri.EscapeDataString("notifications#alice"));

        anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        other.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        asked.Should().Be(0, "an authorizer that allows everything cannot open someone else's user channel");
    }

    [Fact]
    public async Task Subscribe_AuthorizerStillDeciding_NoHeadersAndNoSubscriberUntilItAllows()
    {
        var decision = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var askedOnce = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await AuthApp.StartAsync(tako: t => t.AddChannelAuthorizer(async (_, _) =>
        {
            askedOnce.TrySetResult();
            return await decision.Task;
        }));
        using var streams = app.Metric("tako.sse.active_streams");

        var opening = app.SubscribeAsync("/minimal/slow-check");
        await askedOnce.Task.WaitAsync(Poll.Deadline);

        opening.IsCompleted.Should().BeFalse("the headers wait for the authorizer");
        app.Hub().GetSubscriberCount("slow-check").Should().Be(0);
        streams.GetMeasurementSnapshot().Should().BeEmpty();
        decision.SetResult(true);
        await using var stream = await opening.WaitAsync(Poll.Deadline);
        app.Hub().GetSubscriberCount("slow-check").Should().Be(1);
    }

    [Fact]
    public async Task Subscribe_ClientLeavesWhileAuthorizerDecides_TokenFiresAndNothingIsLoggedAboveDebug()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await AuthApp.StartAsync(tako: t => t.AddChannelAuthorizer<WaitingAuthorizer>(), services: s => s.AddSingleton(new WaitingAuthorizer.Signals(asked, cancelled)));
        using var refused = app.Metric("tako.sse.channel.subscriptions_refused");
        using var leaving = new CancellationTokenSource();

        var opening = app.Client.GetAsync("/minimal/waits", HttpCompletionOption.ResponseHeadersRead, leaving.Token);
        await asked.Task.WaitAsync(Poll.Deadline);
        await leaving.CancelAsync();

        await cancelled.Task.WaitAsync(Poll.Deadline);
        await FluentActions.Awaiting(() => opening).Should().ThrowAsync<OperationCanceledException>();
        await Poll.UntilAsync(() => app.Logs.GetSnapshot().Any(r => r.Message.Contains("Request finished", StringComparison.Ordinal)), "the request to end");
        app.Hub().GetSubscriberCount("waits").Should().Be(0);
        refused.GetMeasurementSnapshot().Should().BeEmpty();
        app.Logs.GetSnapshot().Should().NotContain(r => r.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task Subscribe_ScopedAuthorizer_TakesTheRequestsScopedServices()
    {
        await using var app = await AuthApp.StartAsync(
            tako: t => t.AddChannelAuthorizer<ScopedAuthorizer>(),
            services: s => s.AddScoped<ScopedAuthorizer.RequestMarker>());

        await using var stream = await app.SubscribeAsync("/minimal/scoped");

        stream.Response.StatusCode.Should().Be(HttpStatusCode.OK);
        ScopedAuthorizer.SawTheRequestsOwn.Should().BeTrue();
    }

    [Fact]
    public void AddChannelAuthorizer_SameTypeTwice_RegisteredOnce()
    {
        var services = new ServiceCollection();

        services.AddTakoSse().AddChannelAuthorizer<PrefixAuthorizer>().AddChannelAuthorizer<PrefixAuthorizer>();

        services.Where(d => d.ServiceType == typeof(ISseChannelAuthorizer)).Should().ContainSingle()
            .Which.Lifetime.Should().Be(ServiceLifetime.Scoped);
    }

    [Fact]
    public void AddChannelAuthorizer_Null_ArgumentNullException()
    {
        var builder = new ServiceCollection().AddTakoSse();

        FluentActions.Invoking(() => builder.AddChannelAuthorizer(null!)).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("canSubscribe");
        FluentActions.Invoking(() => ((ITakoSseBuilder)null!).AddChannelAuthorizer<PrefixAuthorizer>()).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("builder");
    }

    /// <summary>"team:{name}" channels are for users whose name starts with "{name}-".</summary>
    private sealed class PrefixAuthorizer : ISseChannelAuthorizer
    {
        public ValueTask<bool> CanSubscribeAsync(HttpContext context, string channel, CancellationToken cancellationToken)
        {
            if (!channel.StartsWith("team:", StringComparison.Ordinal))
            {
                return ValueTask.FromResult(true);
            }

            var team = channel["team:".Length..].Split('-')[0];
            return ValueTask.FromResult(context.User.Identity?.Name?.StartsWith(team + "-", StringComparison.Ordinal) == true);
        }
    }

    private sealed class ThrowingAuthorizer : ISseChannelAuthorizer
    {
        public const string Message = "the permissions database is down";

        public ValueTask<bool> CanSubscribeAsync(HttpContext context, string channel, CancellationToken cancellationToken) =>
            throw new InvalidOperationException(Message);
    }

    private sealed class WaitingAuthorizer(WaitingAuthorizer.Signals signals) : ISseChannelAuthorizer
    {
        public async ValueTask<bool> CanSubscribeAsync(HttpContext context, string channel, CancellationToken cancellationToken)
        {
            signals.Asked.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                signals.Cancelled.TrySetResult();
                throw;
            }

            return true;
        }

        public sealed record Signals(TaskCompletionSource Asked, TaskCompletionSource Cancelled);
    }

    private sealed class ScopedAuthorizer(ScopedAuthorizer.RequestMarker marker) : ISseChannelAuthorizer
    {
        public static bool SawTheRequestsOwn { get; private set; }

        public ValueTask<bool> CanSubscribeAsync(HttpContext context, string channel, CancellationToken cancellationToken)
        {
            SawTheRequestsOwn = ReferenceEquals(marker, context.RequestServices.GetRequiredService<RequestMarker>());
            return ValueTask.FromResult(true);
        }

        public sealed class RequestMarker;
    }
}
