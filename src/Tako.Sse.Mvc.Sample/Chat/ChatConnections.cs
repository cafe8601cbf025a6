using Tako.Sse.Mvc.Sample.Services;

namespace Tako.Sse.Mvc.Sample.Chat;

/// <summary>The open <c>/chat</c> streams, by client id, for <c>POST /chat/drop</c>.</summary>
public sealed class ChatConnections : ClientConnections;
