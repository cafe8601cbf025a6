using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Churn;

/// <summary>
/// The subscribers of the churn run, in a child process (the server's figures hold nothing of theirs), over
/// raw HTTP/1.1 sockets, each open once its response has started. Arguments: a role, the URL, a count, the
/// role's number, and the source addresses to connect from (comma-separated, used in turn).
/// </summary>
/// <remarks>
/// <para><c>stay</c> (the number: the sequence number of the first event they are owed): holds the streams
/// for the whole run (<see cref="ChurnStayer"/>), writes <c>open N</c> once all are open, answers
/// <c>check COUNT</c> with <c>checked MISSED DUPLICATED MISSING DUPLICATES</c> (stayers that lack or doubled
/// any of the COUNT events, and the totals) and leaves at <c>close</c>.</para>
/// <para><c>churn</c> (the number: connects a second for this process): on <c>start</c> (answered
/// <c>started</c>) each churner connects (the first time at a random moment within one mean stay), stays a
/// random while (its cycle from connect to connect uniform, on average count / rate seconds), leaves, FIN and
/// RST in turn, and connects again.
/// <c>stats</c> answers <c>stats CONNECTS LEAVES FAILURES UNANSWERED</c> so far;
/// <c>stop</c> has them all leave and answers <c>stopped CONNECTS LEAVES FAILURES UNANSWERED</c>, counted up
/// to the stop (UNANSWERED: FINs the server did not answer by closing within 10 s).</para>
/// </remarks>
internal static class ChurnClientProcess
{
    public const string Verb = "e2e-churn-client";

    private const int ConnectConcurrency = 64;

    private static readonly TimeSpan s_connectTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_closeTimeout = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(string[] args)
    {
        var role = args[0];
        var url = new Uri(args[1]);
        var count = int.Parse(args[2], CultureInfo.InvariantCulture);
        var number = long.Parse(args[3], CultureInfo.InvariantCulture);
        var sources = args[4].Split(',').Select(IPAddress.Parse).ToArray();
        return role == "stay" ? await StayAsync(url, count, number, sources) : await ChurnAsync(url, count, number, sources);
    }

    private static async Task<int> StayAsync(Uri url, int count, long first, IPAddress[] sources)
    {
        var stayers = Enumerable.Range(0, count).Select(_ => new ChurnStayer(first)).ToArray();
        var open = new (Socket Socket, Task Reading)[count];
        using (var gate = new SemaphoreSlim(ConnectConcurrency))
        {
            try
            {
                await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
                {
                    await gate.WaitAsync();
                    try
                    {
                        open[i] = await ConnectAsync(url, sources[i % sources.Length], stayers[i].ReadAsync, CancellationToken.None);
                    }
                    finally
                    {
                        gate.Release();
                    }
                }));
            }
            catch (Exception exception)
            {
                await Console.Error.WriteLineAsync($"stay client: {open.Count(o => o.Socket is not null)} of {count} open when a connect failed: {exception.GetType().Name}: {exception.Message}");
                return 1;
            }
        }

        Console.WriteLine($"open {count}");
        while (await Console.In.ReadLineAsync() is { } command && command != "close")
        {
            if (command.StartsWith("check ", StringComparison.Ordinal))
            {
                var events = long.Parse(command[6..], CultureInfo.InvariantCulture);
                var checks = stayers.Select(s => s.Check(events)).ToList();
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"checked {checks.Count(c => c.Missing > 0)} {checks.Count(c => c.Duplicates > 0)} {checks.Sum(c => c.Missing)} {checks.Sum(c => c.Duplicates)}"));
            }
        }

        foreach (var (socket, reading) in open)
        {
            socket.Dispose();
            await reading;
        }

        return 0;
    }

    private static async Task<int> ChurnAsync(Uri url, int count, long rate, IPAddress[] sources)
    {
        var churn = new Churn(url, sources, TimeSpan.FromSeconds((double)count / rate));
        Task[] churners = [];
        while (await Console.In.ReadLineAsync() is { } command && command != "close")
        {
            if (command == "start")
            {
                churners = [.. Enumerable.Range(0, count).Select(i => Task.Run(() => churn.RunAsync(reset: i % 2 == 1)))];
                Console.WriteLine("started");
            }
            else if (command == "stats")
            {
                Console.WriteLine($"stats {churn.Counts()}");
            }
            else if (command == "stop")
            {
                var counts = churn.Counts();
                await churn.Stop.CancelAsync();
                await Task.WhenAll(churners);
                Console.WriteLine($"stopped {counts}");
            }
        }

        return 0;
    }

    // Connected once the response has started (its first bytes: the head, then the channel's position).
    private static async Task<(Socket Socket, Task Reading)> ConnectAsync(Uri url, IPAddress source, Func<Socket, TaskCompletionSource, Task> read, CancellationToken stop)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timeout.CancelAfter(s_connectTimeout);
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, url.Port), timeout.Token);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nAccept: text/event-stream\r\n\r\n"), SocketFlags.None, timeout.Token);
            var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var reading = read(socket, opened);
            await opened.Task.WaitAsync(timeout.Token);
            return (socket, reading);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // What a churner reads is not checked (it joins and leaves at random moments); it is read so the server's
    // writes never back up.
    private static async Task DrainAsync(Socket socket, TaskCompletionSource opened)
    {
        var buffer = new byte[2048];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None) > 0)
            {
                opened.TrySetResult();
            }
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
        }

        opened.TrySetException(new IOException("The server closed the stream before its response started."));
    }

    /// <summary>The churners of this process: what they share, and what they counted.</summary>
    private sealed class Churn(Uri url, IPAddress[] sources, TimeSpan meanStay)
    {
        private long _connects;
        private long _leaves;
        private long _failures;
        private long _unanswered;
        private int _nextSource;

        public CancellationTokenSource Stop { get; } = new();

        public string Counts() => string.Create(
            CultureInfo.InvariantCulture,
            $"{Interlocked.Read(ref _connects)} {Interlocked.Read(ref _leaves)} {Interlocked.Read(ref _failures)} {Interlocked.Read(ref _unanswered)}");

        // A churner's cycle, from one connect to the next, is uniform over [0, 2 mean stay], the connect
        // included; a FIN's wait for the server's close runs beside the next connect, so the cycle is not
        // longer than drawn and the rate is what was asked.
        public async Task RunAsync(bool reset)
        {
            var leaving = new List<Task>();
            await DelayAsync(Random.Shared.NextDouble() * meanStay);
            while (!Stop.IsCancellationRequested)
            {
                var cycle = Stopwatch.GetTimestamp();
                var stay = Random.Shared.NextDouble() * 2 * meanStay;

                // Each source address has its own ephemeral ports; a FIN leaves its port in TIME_WAIT for 60 s.
                var source = sources[(int)((uint)Interlocked.Increment(ref _nextSource) % sources.Length)];
                (Socket Socket, Task Reading) stream;
                try
                {
                    stream = await ConnectAsync(url, source, DrainAsync, Stop.Token);
                }
                catch (OperationCanceledException) when (Stop.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException)
                {
                    if (Interlocked.Increment(ref _failures) <= 5)
                    {
                        await Console.Error.WriteLineAsync($"churn client: a connect from {source} failed: {exception.GetType().Name}: {exception.Message}");
                    }

                    await DelayAsync(TimeSpan.FromMilliseconds(100));
                    continue;
                }

                Interlocked.Increment(ref _connects);
                var left = stay - Stopwatch.GetElapsedTime(cycle);
                if (left > TimeSpan.Zero)
                {
                    await DelayAsync(left);
                }

                if (!Stop.IsCancellationRequested)
                {
                    Interlocked.Increment(ref _leaves);
                }

                leaving.RemoveAll(t => t.IsCompleted);
                leaving.Add(LeaveAsync(stream.Socket, stream.Reading, reset));
                reset = !reset;
            }

            await Task.WhenAll(leaving);
        }

        // A RST drops the connection at once; a FIN waits for the server to close its side (what it read
        // meanwhile is drained), so the socket closes with nothing unread and really sends a FIN.
        private async Task LeaveAsync(Socket socket, Task reading, bool reset)
        {
            if (reset)
            {
                socket.LingerState = new LingerOption(true, 0);
            }
            else
            {
                try
                {
                    socket.Shutdown(SocketShutdown.Send);
                    await reading.WaitAsync(s_closeTimeout);
                }
                catch (TimeoutException)
                {
                    Interlocked.Increment(ref _unanswered);
                }
                catch (SocketException)
                {
                    // Already reset by the server.
                }
            }

            socket.Dispose();
            await reading;
        }

        private async Task DelayAsync(TimeSpan delay)
        {
            try
            {
                await Task.Delay(delay, Stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
