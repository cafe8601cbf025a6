namespace Tako.Sse.Mvc.Sample.Logging;

/// <summary>
/// Feeds the application's logs into the <see cref="LogTail"/>. Filter it in configuration under
/// <c>Logging:LogTail</c>, like any other provider.
/// </summary>
/// <param name="tail">The tail the entries go to.</param>
/// <param name="timeProvider">The clock that stamps the entries.</param>
[ProviderAlias("LogTail")]
public sealed class LogTailLoggerProvider(LogTail tail, TimeProvider timeProvider) : ILoggerProvider
{
    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new LogTailLogger(categoryName, tail, timeProvider);

    /// <inheritdoc />
    public void Dispose()
    {
        // The tail is a DI singleton of its own; nothing here to release.
    }
}
