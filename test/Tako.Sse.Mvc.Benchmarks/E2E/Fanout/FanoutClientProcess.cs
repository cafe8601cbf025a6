using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>
/// The subscribers of the fan-out run, in a child process so the server's CPU and memory figures hold
/// nothing of theirs. <c>sse</c> mode holds N HTTP/1.1 streams over raw sockets and counts frames by their
/// blank line, each open once its response has started; <c>sse-sent</c> does the same but counts a stream open
/// once its request is sent, for a server that sends no headers before its first event (the built-in result),
/// whose readiness is then its own subscriber count; <c>signalr</c> mode holds N SignalR
/// <see cref="HubConnection"/>s over WebSockets and counts invocations. While connecting it writes
/// <c>joining K</c> every second, then <c>open N</c>; a connect that fails ends it with the error on its standard
/// error. It writes <c>d TOTAL</c> whenever its delivered count moves, and answers commands on its
/// standard input: <c>mark K</c> (time the next K events per subscriber), <c>lat</c> (when each of them reached
/// its last subscriber), <c>stuck</c> (add one subscriber that never reads) and <c>close</c>.
/// </summary>
internal static class FanoutClientProcess
{
    public const string Verb = "e2e-fanout-client";

    private const int ConnectConcurrency = 64;

    // Small enough that a few events fill it, so the stuck subscriber is really stuck after a moment.
    private const int StuckReceiveBuffer = 1024;

    public static async Task<int> RunAsync(string[] args)
    {
        var mode = args[0];
        var url = new Uri(args[1]);
        var count = int.Parse(args[2], CultureInfo.InvariantCulture);

        // The scale run spreads its children over 127.0.0.2, 127.0.0.3, ...: each source address has its own
        // ephemeral ports towards the server.
        var source = args.Length > 3 ? IPAddress.Parse(args[3]) : IPAddress.Loopback;
        var tally = new Tally(count);
        using var stop = new CancellationTokenSource();
        var holders = new List<IAsyncDisposable>();
        IAsyncDisposable? stuck = null;

        var joined = new StrongBox<int>();
        using var connected = new CancellationTokenSource();
        var connecting = ReportJoiningAsync(joined, connected.Token);
        try
        {
            await ConnectAllAsync(mode, url, source, tally, holders, joined, stop.Token);
        }
        catch (Exception exception)
        {
            await Console.Error.WriteLineAsync($"{mode} client: {Volatile.Read(ref joined.Value)} of {count} open when a connect failed: {exception.GetType().Name}: {exception.Message}");
            return 1;
        }

        await connected.CancelAsync();
        await connecting;
        Console.WriteLine($"open {count}");
        var reporter = ReportAsync(tally, stop.Token);
        var pinger = mode == "signalr-raw" ? PingAsync(holders.OfType<RawHubConnection>().ToList(), stop.Token) : Task.CompletedTask;

        while (await Console.In.ReadLineAsync() is { } command && command != "close")
        {
            if (command.StartsWith("mark ", StringComparison.Ordinal))
            {
                tally.Mark(int.Parse(command[5..], CultureInfo.InvariantCulture));
                Console.WriteLine("marked");
            }
            else if (command == "lat")
            {
                Console.WriteLine("lat " + string.Join(' ', tally.LastArrivals()));
            }
            else if (command == "stuck")
            {
                stuck = mode == "signalr" ? await OpenStuckWebSocketAsync(url) : await OpenStuckStreamAsync(url);
                Console.WriteLine("stuck ok");
            }
            else if (command == "unstuck" && stuck is not null)
            {
                await stuck.DisposeAsync();
                stuck = null;
                Console.WriteLine("unstuck ok");
            }
        }

        stop.Cancel();
        await reporter;
        await pinger;
        if (stuck is not null)
        {
            await stuck.DisposeAsync();
        }

        foreach (var holder in holders)
        {
            await holder.DisposeAsync();
        }

        return 0;
    }

    // What the server side sees of a connect that hangs (a response that never starts): how far it got.
    private static async Task ReportJoiningAsync(StrongBox<int> joined, CancellationToken connected)
    {
        try
        {
            while (true)
            {
                await Task.Delay(1_000, connected);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"joining {Volatile.Read(ref joined.Value)}"));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task ConnectAllAsync(string mode, Uri url, IPAddress source, Tally tally, List<IAsyncDisposable> holders, StrongBox<int> joined, CancellationToken stop)
    {
        using var invoker = RawHubConnection.CreateInvoker(source);
        using var gate = new SemaphoreSlim(ConnectConcurrency);
        var connects = new Task<IAsyncDisposable>[tally.Subscribers];
        for (var i = 0; i < connects.Length; i++)
        {
            var index = i;
            await gate.WaitAsync(stop);
            connects[i] = Task.Run(async () =>
            {
                try
                {
                    var holder = mode switch
                    {
                        "sse" => await OpenStreamAsync(url, source, index, tally, waitForHeaders: true, stop),
                        "sse-sent" => await OpenStreamAsync(url, source, index, tally, waitForHeaders: false, stop),
                        "signalr-raw" => await RawHubConnection.OpenAsync(url, invoker, events => tally.Add(index, events), stop),
                        _ => await OpenHubConnectionAsync(url, index, tally),
                    };
                    Interlocked.Increment(ref joined.Value);
                    return holder;
                }
                finally
                {
                    gate.Release();
                }
            });
        }

        holders.AddRange(await Task.WhenAll(connects));
    }

    private static async Task<IAsyncDisposable> OpenStreamAsync(Uri url, IPAddress source, int index, Tally tally, bool waitForHeaders, CancellationToken stop)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Bind(new IPEndPoint(source, 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, url.Port));
        await socket.SendAsync(Request(url));

        // Open means the response has started (EventSource's onopen): only what is published after that is owed
        // to the subscriber. A hub may register it earlier and still be placing the channel (Redis). A server
        // that starts its response with its first event is ready once it counts the subscriber (sse-sent).
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = CountFramesAsync(socket, index, tally, opened, stop);
        if (waitForHeaders)
        {
            await Task.WhenAny(opened.Task, reader);
        }

        return new Holder(async () =>
        {
            socket.Dispose();
            await reader;
        });
    }

    private static async Task CountFramesAsync(Socket socket, int index, Tally tally, TaskCompletionSource opened, CancellationToken stop)
    {
        var buffer = new byte[16 * 1024];
        var counter = default(FrameCounter);

        // The bytes up to the first frame: a channel subscription opens with its position (an id: line alone),
        // which is not an event, so it is not counted as a delivery.
        var first = new List<byte>();
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, stop)) > 0)
            {
                opened.TrySetResult();
                var before = counter.Frames;
                counter.Add(buffer.AsSpan(0, read));
                var frames = counter.Frames - before;
                if (first is not null)
                {
                    first.AddRange(buffer.AsSpan(0, Math.Min(read, 4096)));
                    if (frames > 0)
                    {
                        frames -= OpensWithPosition(CollectionsMarshal.AsSpan(first)) ? 1 : 0;
                        first = null;
                    }
                }

                tally.Add(index, frames);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Closed by us at the end of the run.
        }
        finally
        {
            opened.TrySetResult();
        }
    }

    // The response's head, the first chunk's size line, then "id: ..." and a blank line with no data: line.
    private static bool OpensWithPosition(ReadOnlySpan<byte> response)
    {
        var head = response.IndexOf("\r\n\r\n"u8);
        if (head < 0)
        {
            return false;
        }

        var body = response[(head + 4)..];
        var sizeLine = body.IndexOf("\r\n"u8);
        if (sizeLine < 0)
        {
            return false;
        }

        var frame = body[(sizeLine + 2)..];
        var end = frame.IndexOf("\n\n"u8);
        return end >= 0 && frame.StartsWith("id: "u8) && frame[..end].IndexOf("data:"u8) < 0;
    }

    private static async Task<IAsyncDisposable> OpenHubConnectionAsync(Uri url, int index, Tally tally)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(url, HttpTransportType.WebSockets, o => o.SkipNegotiation = true)
            .Build();
        connection.On<string>(FanoutSides.HubMethod, _ => tally.Add(index, 1));
        await connection.StartAsync();
        return connection;
    }

    // An HTTP/1.1 stream that never reads past what its small buffer holds.
    private static async Task<IAsyncDisposable> OpenStuckStreamAsync(Uri url)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = StuckReceiveBuffer };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, url.Port));
        await socket.SendAsync(Request(url));
        return new Holder(() =>
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        });
    }

    // A SignalR client over a raw WebSocket that completes the handshake, joins the group, and never reads.
    private static async Task<IAsyncDisposable> OpenStuckWebSocketAsync(Uri url)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (context, token) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = StuckReceiveBuffer };
                await socket.ConnectAsync(context.DnsEndPoint, token);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        var invoker = new HttpMessageInvoker(handler);
        var socket = new ClientWebSocket();
        var ws = new UriBuilder(url) { Scheme = "ws" }.Uri;
        await socket.ConnectAsync(ws, invoker, CancellationToken.None);
        await socket.SendAsync("{\"protocol\":\"json\",\"version\":1}\u001e"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        return new Holder(() =>
        {
            socket.Abort();
            socket.Dispose();
            invoker.Dispose();
            return ValueTask.CompletedTask;
        });
    }

    private static byte[] Request(Uri url) =>
        Encoding.ASCII.GetBytes($"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nAccept: text/event-stream\r\n\r\n");

    // SignalR's server drops a client it has not heard from in 30 s: one ping each 10 s from every connection.
    private static async Task PingAsync(List<RawHubConnection> connections, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(10), stop);
                foreach (var connection in connections)
                {
                    await connection.PingAsync(stop);
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
    }

    // A line per change, at most every 2 ms: the publisher paces itself by these (the total, and the slowest
    // subscriber's count).
    private static async Task ReportAsync(Tally tally, CancellationToken stop)
    {
        var last = -1L;
        try
        {
            while (true)
            {
                await Task.Delay(2, stop);
                var total = tally.Total;
                if (total != last)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"d {total} {tally.Slowest}"));
                    last = total;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed class Holder(Func<ValueTask> dispose) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => dispose();
    }

    /// <summary>Events delivered per subscriber, and when each timed event reached its last subscriber.</summary>
    private sealed class Tally(int subscribers)
    {
        private readonly long[] _received = new long[subscribers];
        private long[] _marks = new long[subscribers];
        private int[] _arrivals = [];
        private long[] _lastArrival = [];
        private long _total;

        public int Subscribers => subscribers;

        public long Total => Interlocked.Read(ref _total);

        /// <summary>Gets the events of the subscriber that has received the fewest so far.</summary>
        public long Slowest
        {
            get
            {
                var slowest = long.MaxValue;
                for (var i = 0; i < _received.Length; i++)
                {
                    slowest = Math.Min(slowest, Volatile.Read(ref _received[i]));
                }

                return _received.Length == 0 ? 0 : slowest;
            }
        }

        public void Add(int index, long events)
        {
            if (events == 0)
            {
                return;
            }

            var before = _received[index];
            _received[index] = before + events;
            Interlocked.Add(ref _total, events);
            var arrivals = Volatile.Read(ref _arrivals);
            for (var n = before - _marks[index]; n < before + events - _marks[index]; n++)
            {
                if (n >= 0 && n < arrivals.Length && Interlocked.Increment(ref arrivals[n]) == subscribers)
                {
                    _lastArrival[n] = Stopwatch.GetTimestamp();
                }
            }
        }

        // Called while nothing is in flight: the server waits for every subscriber to have every event first.
        public void Mark(int events)
        {
            _marks = (long[])_received.Clone();
            _lastArrival = new long[events];
            Array.Fill(_lastArrival, -1L);
            Volatile.Write(ref _arrivals, new int[events]);
        }

        public IEnumerable<string> LastArrivals() => _lastArrival.Select(t => t.ToString(CultureInfo.InvariantCulture));
    }
}
