using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>
/// The server's handle on the child process that holds the subscribers (<see cref="FanoutClientProcess"/>):
/// its delivered count as it reports it, and its commands.
/// </summary>
internal sealed class FanoutClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _replies = Channel.CreateUnbounded<string>();
    private readonly Task _reader;
    private readonly Task _errorReader;
    private readonly Queue<string> _errors = new();
    private TaskCompletionSource _report = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _delivered;
    private long _slowest = -1;
    private int _joining;

    private FanoutClient(Process process)
    {
        _process = process;
        _reader = ReadAsync();
        _errorReader = ReadErrorsAsync();
    }

    /// <summary>Gets the events every subscriber has received so far, added up.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Gets the events the subscriber that has received the fewest has received so far (-1 until reported).</summary>
    public long Slowest => Interlocked.Read(ref _slowest);

    /// <summary>Starts the child; its connections start from <paramref name="source"/> (127.0.0.1 if null).</summary>
    public static FanoutClient Start(string mode, Uri url, int subscribers, System.Net.IPAddress? source = null) =>
        Start(
            FanoutClientProcess.Verb,
            source is null
                ? [mode, url.ToString(), subscribers.ToString(CultureInfo.InvariantCulture)]
                : [mode, url.ToString(), subscribers.ToString(CultureInfo.InvariantCulture), source.ToString()]);

    /// <summary>Starts this executable as another kind of child (the churn run's), with its verb and arguments.</summary>
    public static FanoutClient Start(string verb, IEnumerable<string> arguments)
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("No process path.");
        var info = new ProcessStartInfo(path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(path) == "dotnet")
        {
            info.ArgumentList.Add(typeof(FanoutClient).Assembly.Location);
        }

        info.ArgumentList.Add(verb);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return new FanoutClient(Process.Start(info) ?? throw new InvalidOperationException("The client process did not start."));
    }

    /// <summary>Gets the child's CPU time so far (it shares the machine's cores with the server).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.HasExited ? TimeSpan.Zero : _process.TotalProcessorTime;
        }
    }

    public async Task<bool> WaitOpenAsync(TimeSpan deadline) => await ReplyAsync("open ", deadline) is not null;

    /// <summary>
    /// Says how far the child got, for a side that could not set up: its streams open while connecting, whether
    /// it exited (and how), and the last lines of its standard error.
    /// </summary>
    public string Describe()
    {
        _process.Refresh();
        var exit = _process.HasExited ? $"exited with {_process.ExitCode}" : "still running";
        string errors;
        lock (_errors)
        {
            errors = _errors.Count == 0 ? "nothing on its standard error" : "its standard error: " + string.Join(" / ", _errors);
        }

        return $"the client had {Volatile.Read(ref _joining):N0} open while connecting and is {exit}; {errors}";
    }

    /// <summary>Waits for the next report of the delivered count.</summary>
    public Task NextReportAsync(CancellationToken cancellationToken) => Volatile.Read(ref _report).Task.WaitAsync(cancellationToken);

    /// <summary>Polls until <paramref name="delivered"/> events have arrived; false after the deadline.</summary>
    public Task<bool> WaitDeliveredAsync(long delivered, TimeSpan deadline) =>
        ServerSideProbe.WaitUntilAsync(() => Delivered >= delivered, deadline);

    /// <summary>Sends a command and returns the reply that starts with <paramref name="replyPrefix"/>, or null.</summary>
    public async Task<string?> CommandAsync(string command, string replyPrefix, TimeSpan deadline)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        return await ReplyAsync(replyPrefix, deadline);
    }

    public async ValueTask DisposeAsync()
    {
        await E2EClientProcess.StopAsync(_process);
        await _reader;
        await _errorReader;
        _process.Dispose();
    }

    private async Task<string?> ReplyAsync(string prefix, TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            while (true)
            {
                var line = await _replies.Reader.ReadAsync(timeout.Token);
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return line;
                }

                Console.Error.WriteLine($"  client: {line}");
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or ChannelClosedException)
        {
            return null;
        }
    }

    private async Task ReadAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("d ", StringComparison.Ordinal))
            {
                // "d <total> <slowest>" (a child of another kind may report the total alone).
                var counts = line.AsSpan(2);
                var space = counts.IndexOf(' ');
                Interlocked.Exchange(ref _delivered, long.Parse(space < 0 ? counts : counts[..space], CultureInfo.InvariantCulture));
                if (space >= 0)
                {
                    Interlocked.Exchange(ref _slowest, long.Parse(counts[(space + 1)..], CultureInfo.InvariantCulture));
                }

                var report = Interlocked.Exchange(ref _report, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                report.SetResult();
            }
            else if (line.StartsWith("joining ", StringComparison.Ordinal))
            {
                Volatile.Write(ref _joining, int.Parse(line.AsSpan(8), CultureInfo.InvariantCulture));
            }
            else
            {
                _replies.Writer.TryWrite(line);
            }
        }

        _replies.Writer.TryComplete();
    }

    // The last lines only: enough to say why a side could not set up.
    private async Task ReadErrorsAsync()
    {
        while (await _process.StandardError.ReadLineAsync() is { } line)
        {
            Console.Error.WriteLine($"  client error: {line}");
            lock (_errors)
            {
                _errors.Enqueue(line);
                if (_errors.Count > 5)
                {
                    _errors.Dequeue();
                }
            }
        }
    }
}
