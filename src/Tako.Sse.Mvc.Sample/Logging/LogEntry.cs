namespace Tako.Sse.Mvc.Sample.Logging;

/// <summary>One line of the live log tail, sent to the page as JSON.</summary>
/// <param name="Time">When it was logged.</param>
/// <param name="Level">The log level, for example <c>Information</c>.</param>
/// <param name="Category">The logger's category, usually a type name.</param>
/// <param name="Message">The formatted message, with the exception's message appended when there is one.</param>
public sealed record LogEntry(DateTimeOffset Time, string Level, string Category, string Message);
