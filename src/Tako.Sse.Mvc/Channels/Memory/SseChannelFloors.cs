using System.Collections.Concurrent;

namespace Tako.Sse.Mvc;

/// <summary>
/// Where the histories of removed channels stood: a channel is removed once it has no subscriber and no history,
/// and a client may still hold a position of it (the id of its last event, or the position it opened with). The
/// next channel of that name starts its history there (<see cref="SseChannelHistory.Floor"/>), so such a
/// position resumes when nothing after it was lost, and is an <c>expired</c> gap when events after it have gone.
/// </summary>
/// <remarks>
/// Only channels that lost events are remembered: a channel that never had one (a quiet user channel whose
/// browser reconnects) needs nothing, its next incarnation starts at the bottom. Bounded: past
/// <see cref="DefaultCapacity"/> names, all are forgotten at once and every channel created later starts at
/// the highest floor forgotten, which can only turn a resume into a gap, never skip an event.
/// </remarks>
/// <param name="capacity">The most names remembered.</param>
internal sealed class SseChannelFloors(int capacity)
{
    /// <summary>The names remembered before all are forgotten (about 100 bytes each).</summary>
    public const int DefaultCapacity = 50_000;

    private readonly ConcurrentDictionary<string, long> _floors = new(StringComparer.Ordinal);
    private readonly Lock _forgetting = new();
    private long _forgotten;

    /// <summary>Gets the number of names remembered (for tests).</summary>
    public int Count => _floors.Count;

    /// <summary>Remembers where a removed channel's history stood (nothing for a channel that never lost an event).</summary>
    public void Remember(string channel, long floor)
    {
        if (floor <= Volatile.Read(ref _forgotten))
        {
            return;
        }

        _floors.AddOrUpdate(channel, static (_, floor) => floor, static (_, old, floor) => Math.Max(old, floor), floor);
        if (_floors.Count > capacity)
        {
            Forget();
        }
    }

    /// <summary>Gets where the history of a channel created now starts, and forgets the name.</summary>
    public long Take(string channel)
    {
        var forgotten = Volatile.Read(ref _forgotten);
        return _floors.TryRemove(channel, out var floor) ? Math.Max(floor, forgotten) : forgotten;
    }

    private void Forget()
    {
        lock (_forgetting)
        {
            // The highest floor is raised before the names go, so that a channel created meanwhile never starts
            // below a forgotten floor; a name remembered meanwhile stays.
            var highest = Volatile.Read(ref _forgotten);
            foreach (var pair in _floors)
            {
                highest = Math.Max(highest, pair.Value);
            }

            Volatile.Write(ref _forgotten, highest);
            foreach (var pair in _floors)
            {
                if (pair.Value <= highest)
                {
                    _floors.TryRemove(pair);
                }
            }
        }
    }
}
