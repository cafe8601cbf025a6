namespace Tako.Sse.Mvc.Sample.Notifications;

/// <summary>What <c>POST /me/notifications</c> takes.</summary>
/// <param name="Text">The notification.</param>
public sealed record NotificationPost(string? Text);
