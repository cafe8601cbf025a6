using System.Diagnostics;
using System.Globalization;

namespace Tako.Sse.Mvc.Benchmarks.E2E.Fanout;

/// <summary>
/// A redis-server's CPU time so far, user + kernel, all its threads (<c>utime</c> + <c>stime</c> of
/// <c>/proc/&lt;pid&gt;/stat</c>, in clock ticks): read before and after a window, it says what each node of a
/// cluster spent on it, which no Redis command reports per event.
/// </summary>
internal static class RedisProcessCpu
{
    private static readonly Lazy<int> s_ticksPerSecond = new(ReadTicksPerSecond);

    public static TimeSpan Read(int processId)
    {
        var stat = File.ReadAllText($"/proc/{processId}/stat");

        // pid (comm) state ppid ...: the name may hold spaces and parentheses, the fields after its last ')' do not.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / (double)s_ticksPerSecond.Value);
    }

    public static TimeSpan[] Read(IReadOnlyList<int> processIds) => [.. processIds.Select(Read)];

    // sysconf(_SC_CLK_TCK), which .NET does not expose: 100 on Linux almost everywhere.
    private static int ReadTicksPerSecond()
    {
        try
        {
            using var getconf = Process.Start(new ProcessStartInfo("getconf", ["CLK_TCK"]) { RedirectStandardOutput = true, UseShellExecute = false })!;
            var text = getconf.StandardOutput.ReadToEnd().Trim();
            getconf.WaitForExit();
            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ticks) && ticks > 0 ? ticks : 100;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return 100;
        }
    }
}
