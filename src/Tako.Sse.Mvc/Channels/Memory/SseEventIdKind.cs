namespace Tako.Sse.Mvc;

/// <summary>What an incoming <c>Last-Event-ID</c> is to this hub.</summary>
internal enum SseEventIdKind
{
    /// <summary>No id (a first connection): live events only.</summary>
    None,

    /// <summary>Malformed, from another hub instance (another epoch, e.g. before a restart), or never issued.</summary>
    Unknown,

    /// <summary>An id this hub issued; the history may or may not still hold it.</summary>
    Issued,
}
