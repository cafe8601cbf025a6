namespace Tako.Sse.Mvc;

/// <summary>
/// Implemented by a source's items when what wakes the stream is already queued (a channel subscription): after a
/// wait, its next <c>MoveNextAsync</c> calls complete at once until the queue is empty, so the stream writes all
/// of it in one flush instead of sending the first item alone (see the remarks on coalescing in
/// <see cref="SseStream"/>), which a slow producer needs and a queue does not.
/// </summary>
internal interface ISseQueuedSource
{
}
