namespace Tako.Sse.Mvc;

/// <summary>
/// The channels of one subscriber, by slot (the index of the channel in its subscription): where it sits in each
/// channel's <see cref="SseSubscriberSet"/>, and which channels a re-check has taken away from it.
/// </summary>
/// <remarks>
/// A mutable struct inside <see cref="SseSubscriber"/>, never copied. A slot's position is guarded by the lock of
/// that channel's set; the revoked slots by the subscriber's disposal lock, so that each channel is left exactly
/// once: when it is revoked, or when the response ends.
/// </remarks>
/// <param name="count">The number of channels.</param>
internal struct SseSubscriberSlots(int count)
{
    private readonly int[]? _more = count > 1 ? Unplaced(count - 1) : null;
    private int _first = -1;
    private bool[]? _revoked;
    private int _revokedCount;

    /// <summary>Gets the number of channels the subscription started with.</summary>
    public readonly int Count => count;

    /// <summary>Gets the number of channels not revoked.</summary>
    public readonly int Remaining => count - _revokedCount;

    /// <summary>Gets the position in the set of the channel in <paramref name="slot"/>; -1 when in none.</summary>
    public readonly int IndexOf(int slot) => slot == 0 ? _first : _more![slot - 1];

    /// <summary>Sets the position in the set of the channel in <paramref name="slot"/>.</summary>
    public void SetIndex(int slot, int index)
    {
        if (slot == 0)
        {
            _first = index;
        }
        else
        {
            _more![slot - 1] = index;
        }
    }

    /// <summary>Gets whether the channel in <paramref name="slot"/> was revoked.</summary>
    public readonly bool IsRevoked(int slot) => _revoked?[slot] == true;

    /// <summary>Marks the channel in <paramref name="slot"/> revoked; false when it was already.</summary>
    public bool TryRevoke(int slot)
    {
        _revoked ??= new bool[count];
        if (_revoked[slot])
        {
            return false;
        }

        _revoked[slot] = true;
        _revokedCount++;
        return true;
    }

    private static int[] Unplaced(int length)
    {
        var indexes = new int[length];
        Array.Fill(indexes, -1);
        return indexes;
    }
}
