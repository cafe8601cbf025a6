namespace Tako.Sse.Mvc.Benchmarks.E2E;

/// <summary>One line of the report: a figure for ours and for the built-in result, the ratio, and the target.</summary>
/// <param name="Figure">What is measured.</param>
/// <param name="Ours">Our value, formatted with its unit.</param>
/// <param name="Builtin">The built-in result's value, formatted with its unit.</param>
/// <param name="Limit">The bare pre-encoded endpoint's value, where there is one.</param>
/// <param name="Ratio">The ratio the target is stated in.</param>
/// <param name="Target">The target.</param>
/// <param name="Met">Whether the target is met; null when the line is informative only.</param>
/// <param name="Fourth">A fourth side's value, for a table that has one (the fan-out run's bare ring).</param>
internal sealed record E2EResult(string Figure, string Ours, string Builtin, string Limit, string Ratio, string Target, bool? Met, string? Fourth = null);
