using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Tako.Sse.Mvc.StackExchangeRedis.Tests.Infrastructure;

/// <summary>Wraps the registered <see cref="ISseEncoder"/> and counts how many events it encodes.</summary>
public sealed class CountingEncoder
{
    private int _encodes;

    public int Encodes => Volatile.Read(ref _encodes);

    /// <summary>Replaces the encoder AddTakoSse registered with a counting wrapper around the same one.</summary>
    public void Decorate(IServiceCollection services)
    {
        var original = services.Last(d => d.ServiceType == typeof(ISseEncoder));
        services.Remove(original);
        services.AddSingleton<ISseEncoder>(provider =>
            new Counting((ISseEncoder)ActivatorUtilities.CreateInstance(provider, original.ImplementationType!), this));
    }

    private sealed class Counting(ISseEncoder inner, CountingEncoder owner) : ISseEncoder
    {
        public void ApplyHeaders(HttpResponse response) => inner.ApplyHeaders(response);

        public void Encode(in SseEvent evt, IBufferWriter<byte> output)
        {
            Interlocked.Increment(ref owner._encodes);
            inner.Encode(evt, output);
        }

        public void EncodeData(ReadOnlySpan<byte> utf8, IBufferWriter<byte> output) => inner.EncodeData(utf8, output);

        public void EncodeKeepAlive(IBufferWriter<byte> output) => inner.EncodeKeepAlive(output);
    }
}
