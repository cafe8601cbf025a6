using Tako.Sse.Mvc.Sample.Services;

namespace Tako.Sse.Mvc.Sample.Live;

/// <summary>The open <c>/live</c> streams, by client id, for <c>POST /live/drop</c>.</summary>
public sealed class LiveConnections : ClientConnections;
