using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Tako.Sse.Mvc.Tests.Channels.Authorization;

/// <summary>The decision over a list of channels, as a multi-channel subscription asks for it.</summary>
public sealed class SseChannelAuthorizationTests
{
    private static readonly string[] s_twentyChannels = [.. Enumerable.Range(0, 20).Select(i => $"c{i}")];

    [Fact]
    public async Task AuthorizeAsync_ManyChannels_AskedConcurrentlyAtMostEightAtOnce()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var full = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = 0;
        var asked = new ConcurrentBag<string>();
        var context = ContextWith(Authorizer(async (channel, _) =>
        {
            asked.Add(channel);
            if (Interlocked.Increment(ref inFlight) == SseChannelAuthorization.MaxConcurrentChecks)
            {
                full.TrySetResult();
            }

            await gate.Task;
            Interlocked.Decrement(ref inFlight);
            return true;
        }));

        var deciding = Authorization().AuthorizeAsync(context, s_twentyChannels, CancellationToken.None).AsTask();
        await full.Task.WaitAsync(TimeSpan.FromSeconds(20));

        Volatile.Read(ref inFlight).Should().Be(SseChannelAuthorization.MaxConcurrentChecks, "eight questions are out, the ninth waits for one of them");
        deciding.IsCompleted.Should().BeFalse();
        gate.SetResult();
        (await deciding.WaitAsync(TimeSpan.FromSeconds(20))).Should().BeNull();
        asked.Should().BeEquivalentTo(s_twentyChannels);
    }

    [Fact]
    public async Task AuthorizeAsync_OneOfManyRefused_RefusalNamesItAndTheQuestionsStillOutAreCancelled()
    {
        var cancelled = new ConcurrentBag<string>();
        var context = ContextWith(Authorizer(async (channel, token) =>
        {
            if (channel == "c3")
            {
                return false;
            }

            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            catch (OperationCanceledException)
            {
                cancelled.Add(channel);
                throw;
            }

            return true;
        }));

        var refusal = await Authorization().AuthorizeAsync(context, s_twentyChannels, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(20));

        refusal.Should().NotBeNull();
        refusal!.Channel.Should().Be("c3");
        refusal.Reason.Should().Be(SseSubscriptionRefusal.ReasonAuthorizer);
        refusal.StatusCode.Should().Be(StatusCodes.Status401Unauthorized);
        cancelled.Should().NotBeEmpty().And.OnlyContain(c => c != "c3");
    }

    [Fact]
    public async Task AuthorizeAsync_OneOfManyThrows_FailureCarriesTheExceptionAndTheAuthorizer()
    {
        var failure = new InvalidOperationException("down");
        var authorizer = Authorizer((channel, _) => channel == "c11" ? throw failure : ValueTask.FromResult(true));

        var refusal = await Authorization().AuthorizeAsync(ContextWith(authorizer), s_twentyChannels, CancellationToken.None);

        refusal.Should().BeEquivalentTo(new SseSubscriptionRefusal(SseSubscriptionRefusal.ReasonAuthorizerFailed, "c11", 500, authorizer, failure));
    }

    [Fact]
    public async Task AuthorizeAsync_UserChannelAmongMany_RefusedBeforeAnyAuthorizerIsAsked()
    {
        var asked = 0;
        var context = ContextWith(Authorizer((_, _) => ValueTask.FromResult(Interlocked.Increment(ref asked) > 0)));
        context.User = SignedIn("bob");

        var refusal = await Authorization().AuthorizeAsync(context, ["chat", "tiles", "notifications#alice"], CancellationToken.None);

        refusal.Should().BeEquivalentTo(new SseSubscriptionRefusal(SseSubscriptionRefusal.ReasonUserChannel, "notifications#alice", 403));
        asked.Should().Be(0);
    }

    [Fact]
    public async Task AuthorizeAsync_SeveralAuthorizersOverManyChannels_EveryOneAskedForEveryChannel()
    {
        var asked = new ConcurrentBag<(int, string)>();
        var context = ContextWith(
            Authorizer((channel, _) => { asked.Add((1, channel)); return ValueTask.FromResult(true); }),
            Authorizer((channel, _) => { asked.Add((2, channel)); return ValueTask.FromResult(true); }));

        var refusal = await Authorization().AuthorizeAsync(context, s_twentyChannels, CancellationToken.None);

        refusal.Should().BeNull();
        asked.Should().BeEquivalentTo(s_twentyChannels.SelectMany(c => new[] { (1, c), (2, c) }));
    }

    [Fact]
    public async Task AuthorizeAsync_CallerCancelsBeforeAnyAnswer_OperationCanceled()
    {
        using var leaving = new CancellationTokenSource();
        var context = ContextWith(Authorizer(async (_, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            return true;
        }));

        var deciding = Authorization().AuthorizeAsync(context, s_twentyChannels, leaving.Token).AsTask();
        await leaving.CancelAsync();

        await FluentActions.Awaiting(() => deciding.WaitAsync(TimeSpan.FromSeconds(20))).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task AuthorizeAsync_NoAuthorizerAndNoUserChannel_DecidedSynchronously()
    {
        var decision = Authorization().AuthorizeAsync(ContextWith(), s_twentyChannels, CancellationToken.None);

        decision.IsCompletedSuccessfully.Should().BeTrue();
        (await decision).Should().BeNull();
    }

    private static SseChannelAuthorization Authorization() =>
        new(Options.Create(new TakoSseOptions()), new SseSubscriptionRefusalMetrics(new TestMeterFactory()), NullLoggerFactory.Instance);

    private static DefaultHttpContext ContextWith(params ISseChannelAuthorizer[] authorizers)
    {
        var services = new ServiceCollection();
        foreach (var authorizer in authorizers)
        {
            services.AddSingleton(authorizer);
        }

        return new DefaultHttpContext { RequestServices = services.BuildServiceProvider() };
    }

    private static ISseChannelAuthorizer Authorizer(Func<string, CancellationToken, ValueTask<bool>> canSubscribe) => new Delegating(canSubscribe);

    internal static ClaimsPrincipal SignedIn(string id) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, id)], "test"));

    private sealed class Delegating(Func<string, CancellationToken, ValueTask<bool>> canSubscribe) : ISseChannelAuthorizer
    {
        public ValueTask<bool> CanSubscribeAsync(HttpContext context, string channel, CancellationToken cancellationToken) => canSubscribe(channel, cancellationToken);
    }

    private sealed class TestMeterFactory : System.Diagnostics.Metrics.IMeterFactory
    {
        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }
}
