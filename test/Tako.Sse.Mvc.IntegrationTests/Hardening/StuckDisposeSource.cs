using Tako.Sse.Mvc.IntegrationTests.Infrastructure;

namespace Tako.Sse.Mvc.IntegrationTests.Hardening;

/// <summary>
/// A hand-written source whose enumerator yields "first" and ends (or, when it throws, waits for its token), and
/// whose DisposeAsync either never completes or throws: an application bug the stream must survive.
/// </summary>
public sealed class StuckDisposeSource(StreamProbe probe, bool throws) : IAsyncEnumerable<SseEvent>
{
    public IAsyncEnumerator<SseEvent> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        new Enumerator(probe, throws, cancellationToken);

    private sealed class Enumerator(StreamProbe probe, bool throws, CancellationToken cancellationToken) : IAsyncEnumerator<SseEvent>
    {
        private int _index;

        public SseEvent Current { get; private set; }

        public async ValueTask<bool> MoveNextAsync()
        {
            if (_index++ == 0)
            {
                Current = SseEvent.FromData("first");
                return true;
            }

            if (throws)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return false;
        }

        public ValueTask DisposeAsync()
        {
            probe.Mark("stuck.disposing");
            if (throws)
            {
                throw new InvalidOperationException("DisposeAsync failed on purpose");
            }

            // Never completes: nothing ever sets it.
            return new ValueTask(new TaskCompletionSource().Task);
        }
    }
}
