using System.Reflection;
using System.Runtime.ExceptionServices;
using StackExchange.Redis;

namespace Tako.Sse.Mvc.StackExchangeRedis.Tests.Infrastructure;

/// <summary>
/// A real multiplexer whose pub/sub SUBSCRIBE waits until the test opens <see cref="SubscribeGate"/>: it holds an
/// instance in the moment between a browser subscribing and the instance's Redis subscription being in place.
/// Every other call goes straight to the real multiplexer.
/// </summary>
public class GatedSubscribeMultiplexer : DispatchProxy
{
    private object _target = null!;
    private SubscribeGate _gate = null!;

    public static IConnectionMultiplexer Wrap(IConnectionMultiplexer target, SubscribeGate gate) => Wrap<IConnectionMultiplexer>(target, gate);

    protected override object? Invoke(MethodInfo? method, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (method.Name == nameof(ISubscriber.SubscribeAsync) && method.ReturnType == typeof(Task<ChannelMessageQueue>))
        {
            return SubscribeWhenOpenAsync(method, args);
        }

        var result = Forward(method, args);
        return method.Name == nameof(IConnectionMultiplexer.GetSubscriber) ? Wrap((ISubscriber)result!, _gate) : result;
    }

    private static T Wrap<T>(T target, SubscribeGate gate)
        where T : class
    {
        var proxy = Create<T, GatedSubscribeMultiplexer>();
        var gated = (GatedSubscribeMultiplexer)(object)proxy;
        gated._target = target;
        gated._gate = gate;
        return proxy;
    }

    private async Task<ChannelMessageQueue> SubscribeWhenOpenAsync(MethodInfo method, object?[]? args)
    {
        _gate.Reached.TrySetResult();
        await _gate.Open.Task;
        return await (Task<ChannelMessageQueue>)Forward(method, args)!;
    }

    private object? Forward(MethodInfo method, object?[]? args)
    {
        try
        {
            return method.Invoke(_target, args);
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(exception.InnerException);
            throw;
        }
    }
}

/// <summary>Where a gated SUBSCRIBE waits: <see cref="Reached"/> when one is waiting, <see cref="Open"/> to let it go.</summary>
public sealed class SubscribeGate
{
    public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
