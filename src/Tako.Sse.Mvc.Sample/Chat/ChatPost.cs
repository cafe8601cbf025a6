namespace Tako.Sse.Mvc.Sample.Chat;

/// <summary>What the page posts to <c>POST /chat</c>.</summary>
/// <param name="Name">The name the tab goes by.</param>
/// <param name="Text">The message.</param>
public sealed record ChatPost(string? Name, string? Text);
