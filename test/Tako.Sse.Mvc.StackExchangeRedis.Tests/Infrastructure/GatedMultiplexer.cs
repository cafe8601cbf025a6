using System.Reflection;
using System.Runtime.ExceptionServices;
using StackExchange.Redis;

namespace Tako.Sse.Mvc.StackExchangeRedis.Tests.Infrastructure;

/// <summary>
/// A real multiplexer whose calls of one method (<see cref="RedisCallGate.Method"/>: pub/sub SUBSCRIBE, or a
/// stream read) wait until the test opens the gate: it holds an instance in a chosen moment between a browser
/// subscribing and the instance's Redis subscription being in place. Every other call goes straight to the
/// real multiplexer, its subscriber and its database.
/// </summary>
public class GatedMultiplexer : DispatchProxy
{
    private static readonly MethodInfo s_whenOpen = typeof(GatedMultiplexer).GetMethod(nameof(WhenOpenAsync), BindingFlags.NonPublic | BindingFlags.Instance)!;

    private object _target = null!;
    private RedisCallGate _gate = null!;

    public static IConnectionMultiplexer Wrap(IConnectionMultiplexer target, RedisCallGate gate) => Wrap<IConnectionMultiplexer>(target, gate);

    protected override object? Invoke(MethodInfo? method, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (method.Name == _gate.Method && method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            return s_whenOpen.MakeGenericMethod(method.ReturnType.GetGenericArguments()[0]).Invoke(this, [method, args]);
        }

        var result = Forward(method, args);
        return method.Name switch
        {
            nameof(IConnectionMultiplexer.GetSubscriber) => Wrap((ISubscriber)result!, _gate),
            nameof(IConnectionMultiplexer.GetDatabase) => Wrap((IDatabase)result!, _gate),
            _ => result,
        };
    }

    private static T Wrap<T>(T target, RedisCallGate gate)
        where T : class
    {
        var proxy = Create<T, GatedMultiplexer>();
        var gated = (GatedMultiplexer)(object)proxy;
        gated._target = target;
        gated._gate = gate;
        return proxy;
    }

    private async Task<T> WhenOpenAsync<T>(MethodInfo method, object?[]? args)
    {
        _gate.Reached.TrySetResult();
        await _gate.Open.Task;
        return await (Task<T>)Forward(method, args)!;
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

/// <summary>Where gated calls of <see cref="Method"/> wait: <see cref="Reached"/> when one is waiting, <see cref="Open"/> to let them go.</summary>
public sealed class RedisCallGate(string method)
{
    public string Method { get; } = method;

    public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
