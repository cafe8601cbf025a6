namespace Tako.Sse.Mvc;

/// <summary>
/// Where one <see cref="SseSubscriber"/> is a member and when it stops being one: its position in the
/// <see cref="SseSubscriberSet"/> of each of its channels (by slot, the index of the channel in its
/// subscription), and the hub's leave callback, called exactly once per channel: when a re-check revokes that
/// channel (<see cref="Revoke"/>), or when the response ends (<see cref="TryEnd"/>, <see cref="LeaveAll"/>).
/// It also runs the abort of the Disconnect policy, which must never come after the end.
/// </summary>
/// <remarks>
/// A slot's position is guarded by the lock of that channel's set; everything else by this object's own lock,
/// never the lock publishers take.
/// </remarks>
internal sealed class SseSubscriberMembership
{
    // Orders an abort against the end of the request: taken to abort, and to mark the subscription ended.
    // Kestrel reuses an HttpContext for the next request on the connection, so an abort that ran after the
    // subscription's request had finished could hit an unrelated request. The end happens before the request
    // finishes, and an abort only runs before the end.
    private readonly Lock _gate = new();
    private readonly Action _abort;
    private readonly Action<SseSubscriber, object, int> _leave;
    private readonly object _leaveState;
    private readonly int[] _indexes;
    private bool[]? _revoked;
    private int _remaining;
    private bool _ended;

    /// <param name="count">The number of channels.</param>
    /// <param name="abort">Aborts the request's connection.</param>
    /// <param name="leave">The hub's callback that takes the subscriber out of the channel in a slot.</param>
    /// <param name="leaveState">What <paramref name="leave"/> needs to find the channels (the hub's entries, by slot).</param>
    public SseSubscriberMembership(int count, Action abort, Action<SseSubscriber, object, int> leave, object leaveState)
    {
        _indexes = new int[count];
        Array.Fill(_indexes, -1);
        _remaining = count;
        _abort = abort;
        _leave = leave;
        _leaveState = leaveState;
    }

    /// <summary>Gets the position in the set of the channel in <paramref name="slot"/>; -1 when in none.</summary>
    public int IndexOf(int slot) => _indexes[slot];

    /// <summary>Sets the position in the set of the channel in <paramref name="slot"/>.</summary>
    public void SetIndex(int slot, int index) => _indexes[slot] = index;

    /// <summary>Aborts the request's connection, unless the subscription has ended.</summary>
    public void Abort()
    {
        lock (_gate)
        {
            if (!_ended)
            {
                _abort();
            }
        }
    }

    /// <summary>Marks the subscription ended; true the first time, when the caller then calls <see cref="LeaveAll"/>.</summary>
    public bool TryEnd()
    {
        lock (_gate)
        {
            var first = !_ended;
            _ended = true;
            return first;
        }
    }

    /// <summary>After <see cref="TryEnd"/>: leaves every channel not revoked (a revoked one was left then).</summary>
    public void LeaveAll(SseSubscriber subscriber)
    {
        for (var slot = 0; slot < _indexes.Length; slot++)
        {
            // Set under the lock before the end, so read safely after it.
            if (_revoked?[slot] != true)
            {
                _leave(subscriber, _leaveState, slot);
            }
        }
    }

    /// <summary>
    /// Leaves the channel in <paramref name="slot"/> for good. Returns the number of channels left, or -1 when
    /// the subscription has ended or the channel was revoked already.
    /// </summary>
    public int Revoke(SseSubscriber subscriber, int slot)
    {
        int remaining;
        lock (_gate)
        {
            _revoked ??= new bool[_indexes.Length];
            if (_ended || _revoked[slot])
            {
                return -1;
            }

            _revoked[slot] = true;
            remaining = --_remaining;
        }

        _leave(subscriber, _leaveState, slot);
        return remaining;
    }
}
