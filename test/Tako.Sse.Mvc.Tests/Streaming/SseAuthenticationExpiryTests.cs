using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Tako.Sse.Mvc.Tests.Streaming;

public class SseAuthenticationExpiryTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task RunAsync_AuthenticationExpires_EndsAtTheInstantLogsAtDebugAndDisposesTheSource()
    {
        using var harness = new StreamHarness(o => o.KeepAlive = null);
        Authenticate(harness, harness.Time.GetUtcNow().AddSeconds(10));
        var source = new StrictAsyncEnumerable();
        var run = harness.RunAsync(new SseActionResult(source));
        await SseStreamFlushTests.WaitUntilAsync(() => source.IsPending);

        harness.Time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        run.IsCompleted.Should().BeFalse("the credential is valid until its expiry");
        harness.Time.Advance(TimeSpan.FromTicks(1));
        await run.WaitAsync(s_deadline);

        source.Token.IsCancellationRequested.Should().BeTrue();
        var entry = harness.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Name == "SseAuthenticationExpired").Subject;
        entry.Id.Id.Should().Be(11);
        entry.Level.Should().Be(LogLevel.Debug);
        harness.Logs.GetSnapshot().Select(r => r.Id.Name).Should().NotContain(["SseClientDisconnected", "SseStoppedByShutdown"]);
        source.Produce(null);
        await SseStreamFlushTests.WaitUntilAsync(() => source.Disposed);
    }

    [Fact]
    public async Task RunAsync_OptionOff_IgnoresTheExpiry()
    {
        using var harness = new StreamHarness(o =>
        {
            o.KeepAlive = null;
            o.CloseOnAuthenticationExpiration = false;
        });
        Authenticate(harness, harness.Time.GetUtcNow().AddSeconds(10));
        var source = new StrictAsyncEnumerable();
        var run = harness.RunAsync(new SseActionResult(source));
        await SseStreamFlushTests.WaitUntilAsync(() => source.IsPending);

        harness.Time.Advance(TimeSpan.FromMinutes(1));
        source.Produce("after");
        await SseStreamFlushTests.WaitUntilAsync(() => source.IsPending);
        source.Produce(null);
        await run.WaitAsync(s_deadline);

        harness.Writer.Text.Should().Be("data: after\n\n");
        harness.Logs.GetSnapshot().Select(r => r.Id.Name).Should().NotContain("SseAuthenticationExpired");
    }

    [Fact]
    public async Task Start_ExpiryBeyondTheLongestDueTime_ReArmsUntilTheInstant()
    {
        var time = new FakeTimeProvider();
        using var cancellation = new CancellationTokenSource();
        var expiry = new SseAuthenticationExpiry(time.GetUtcNow().AddDays(60), time);
        expiry.Start(cancellation);

        // The timer takes at most about 49 days: its fire is early, and only re-arms.
        time.Advance(SseTimerWheel.MaxDueTime);
        cancellation.IsCancellationRequested.Should().BeFalse();
        time.Advance(TimeSpan.FromDays(60) - SseTimerWheel.MaxDueTime);

        await WaitUntilAsync(() => cancellation.IsCancellationRequested);
        expiry.End().Should().BeTrue();
    }

    [Fact]
    public void Start_AlreadyExpired_CancelsAtOnceWithNoTimer()
    {
        var time = new CountingTimeProvider();
        using var cancellation = new CancellationTokenSource();
        var expiry = new SseAuthenticationExpiry(time.GetUtcNow(), time);

        expiry.Start(cancellation);

        cancellation.IsCancellationRequested.Should().BeTrue();
        time.Created.Should().Be(0);
        expiry.End().Should().BeTrue();
    }

    [Fact]
    public void End_BeforeTheExpiry_NeverCancels()
    {
        var time = new FakeTimeProvider();
        using var cancellation = new CancellationTokenSource();
        var expiry = new SseAuthenticationExpiry(time.GetUtcNow().AddSeconds(10), time);
        expiry.Start(cancellation);

        expiry.End().Should().BeFalse();
        time.Advance(TimeSpan.FromMinutes(1));

        cancellation.IsCancellationRequested.Should().BeFalse();
    }

    [Fact]
    public async Task Start_SystemClock_CancelsOnTheSharedWheelNoEarlierThanTheExpiry()
    {
        using var cancellation = new CancellationTokenSource();
        var expiresUtc = DateTimeOffset.UtcNow.AddMilliseconds(150);
        var expiry = new SseAuthenticationExpiry(expiresUtc, TimeProvider.System);
        var cancelledAt = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
        cancellation.Token.Register(() => cancelledAt.TrySetResult(DateTimeOffset.UtcNow));

        expiry.Start(cancellation);

        // The wheel fires late by up to a tick, never early.
        (await cancelledAt.Task.WaitAsync(s_deadline)).Should().BeOnOrAfter(expiresUtc);
        expiry.End().Should().BeTrue();
    }

    private static void Authenticate(StreamHarness harness, DateTimeOffset expiresUtc)
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "alice")], "test"));
        var ticket = new AuthenticationTicket(principal, new AuthenticationProperties { ExpiresUtc = expiresUtc }, "test");
        var feature = new AuthenticationFeatures(AuthenticateResult.Success(ticket));
        harness.Context.Features.Set<IAuthenticateResultFeature>(feature);
        harness.Context.Features.Set<IHttpAuthenticationFeature>(feature);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + s_deadline;
        while (!condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline);
            await Task.Delay(10);
        }
    }

    private sealed class AuthenticationFeatures(AuthenticateResult result) : IAuthenticateResultFeature, IHttpAuthenticationFeature
    {
        public AuthenticateResult? AuthenticateResult { get; set; } = result;

        public ClaimsPrincipal? User { get; set; } = result.Principal;
    }

    private sealed class CountingTimeProvider : FakeTimeProvider
    {
        public int Created { get; private set; }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Created++;
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}
