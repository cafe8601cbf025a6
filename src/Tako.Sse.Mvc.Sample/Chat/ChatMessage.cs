namespace Tako.Sse.Mvc.Sample.Chat;

/// <summary>The JSON data of a <c>chat</c> event.</summary>
/// <param name="Name">Who posted it.</param>
/// <param name="Text">The message.</param>
/// <param name="At">When the server published it, in Unix milliseconds.</param>
public sealed record ChatMessage(string Name, string Text, long At);
