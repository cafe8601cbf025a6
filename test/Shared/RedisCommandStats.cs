using System.Globalization;
using StackExchange.Redis;

namespace Tako.Sse.Mvc.Testing;

/// <summary>
/// What Redis ran, command by command (<c>INFO commandstats</c>: the commands a script runs are counted too), so a
/// run can say what each of its commands per published event is, and a test can count them. The <c>INFO</c> that reads it is left out.
/// </summary>
internal static class RedisCommandStats
{
    public static async Task<Dictionary<string, long>> ReadAsync(IEnumerable<IServer> servers)
    {
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var server in servers)
        {
            foreach (var pair in (await server.InfoAsync("commandstats")).SelectMany(g => g))
            {
                // cmdstat_xadd: calls=12,usec=...
                if (!pair.Key.StartsWith("cmdstat_", StringComparison.Ordinal) || pair.Key == "cmdstat_info")
                {
                    continue;
                }

                var field = pair.Value.Split(',')[0];
                var count = long.Parse(field[(field.IndexOf('=', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
                var name = pair.Key["cmdstat_".Length..];
                calls[name] = calls.GetValueOrDefault(name) + count;
            }
        }

        return calls;
    }

    /// <summary><c>total_commands_processed</c> of <c>INFO stats</c>, summed over the servers.</summary>
    public static async Task<long> TotalAsync(IEnumerable<IServer> servers)
    {
        var total = 0L;
        foreach (var server in servers)
        {
            var stats = await server.InfoAsync("stats");
            total += long.Parse(stats.SelectMany(g => g).First(p => p.Key == "total_commands_processed").Value, CultureInfo.InvariantCulture);
        }

        return total;
    }

    /// <summary>Each command's calls between two readings per published event, largest first: <c>evalsha 1, xadd 1, …</c>.</summary>
    public static string PerEvent(Dictionary<string, long> before, Dictionary<string, long> after, long published)
    {
        var parts = after
            .Select(p => (Name: p.Key, Calls: p.Value - before.GetValueOrDefault(p.Key)))
            .Where(p => p.Calls > 0 && published > 0)
            .Select(p => (p.Name, PerEvent: p.Calls / (double)published))
            .Where(p => p.PerEvent >= 0.005)
            .OrderByDescending(p => p.PerEvent)
            .ThenBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name} {p.PerEvent:0.##}"));
        return string.Join(", ", parts) is { Length: > 0 } text ? text : "-";
    }
}
