namespace Tako.Sse.Mvc.Sample.Logging;

/// <summary>The logger of one category, publishing into the <see cref="LogTail"/>.</summary>
internal sealed class LogTailLogger(string category, LogTail tail, TimeProvider timeProvider) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var message = formatter(state, exception);
        if (exception is not null)
        {
            message = $"{message} ({exception.GetType().Name}: {exception.Message})";
        }

        tail.Publish(new LogEntry(timeProvider.GetLocalNow(), logLevel.ToString(), category, message));
    }
}
