namespace Tako.Sse.Mvc;

/// <summary>
/// Implemented by a source's items when the response must not open at once: the stream sends its headers
/// (EventSource's <c>onopen</c>) only once <see cref="Opening"/> has completed. A backplane's subscription uses
/// it when the instance needs a round trip before it can promise the client every later event.
/// </summary>
internal interface ISseDeferredOpening
{
    /// <summary>Gets a task that never faults, or <see langword="null"/> when the response can open now.</summary>
    Task? Opening { get; }
}
