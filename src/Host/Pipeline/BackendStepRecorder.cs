namespace WasmGraph.Host.Pipeline;

/// <summary>
/// Sits between a backend and the CLI's progress display: it forwards every report and remembers the order in which
/// named steps first finished. A backend returns its sub-timings in an unordered dictionary; this order is what lets
/// the --verbose report list them as they ran (codegen, llvm-opt, …) rather than in hash order.
/// It is synchronous on purpose: <see cref="Progress{T}"/> would post reports to the thread pool and reorder them.
/// </summary>
internal sealed class BackendStepRecorder : IProgress<(string Step, double Fraction)>
{
    private readonly IProgress<(string Step, double Fraction)>? _next;
    private readonly List<string> _order = new();
    private readonly Lock _gate = new();

    public BackendStepRecorder(IProgress<(string Step, double Fraction)>? next) => _next = next;

    public void Report((string Step, double Fraction) value)
    {
        lock (_gate)
        {
            if (!_order.Contains(value.Step))
            {
                _order.Add(value.Step);
            }
        }
        _next?.Report(value);
    }

    /// <summary>The timings in the order their steps were reported; steps never reported come last, by name.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Order(IReadOnlyDictionary<string, double> timings)
    {
        lock (_gate)
        {
            return timings
                .OrderBy(kv => _order.IndexOf(kv.Key) is var i and >= 0 ? i : int.MaxValue)
                .ThenBy(kv => kv.Key, StringComparer.Ordinal)
                .ToList();
        }
    }
}
