using WasmGraph.Abstractions.Ops;

namespace WasmGraph.Abstractions.Ir;

/// <summary>
/// Checks the invariants every pass must keep: values defined once and before use, every op registered, every
/// recorded type equal to what inference computes, outputs defined, no node reading a bounded value (see <see cref="BoundedOutputs"/>), and a memory plan, when present, that fits the graph
/// (see <see cref="MemoryPlanner.Check"/>). Runs after every pass in tests and with --verify-each.
/// </summary>
public static class GraphVerifier
{
    public static IReadOnlyList<string> Check(Graph graph, OpRegistry registry)
    {
        var problems = new List<string>();
        var defined = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in graph.Inputs)
        {
            if (!defined.Add(input)) { problems.Add($"graph input '{input}' is declared twice"); }
            if (!graph.Types.ContainsKey(input)) { problems.Add($"graph input '{input}' has no type"); }
        }
        foreach (var (name, data) in graph.Constants)
        {
            if (!defined.Add(name)) { problems.Add($"constant '{name}' is also defined elsewhere"); }
            if (!graph.Types.TryGetValue(name, out var t) || t != data.Type) { problems.Add($"constant '{name}' has a type that differs from its data"); }
        }
        foreach (var node in graph.Nodes)
        {
            foreach (var input in node.Inputs)
            {
                if (input.Length > 0 && !defined.Contains(input))
                {
                    problems.Add($"{node.Describe()} reads '{input}' before it is defined");
                }
            }
            if (registry.Find(node.Op) is null)
            {
                problems.Add($"{node.Describe()} uses an op that is not in the registry");
            }
            else if (problems.Count == 0)
            {
                try
                {
                    var inferred = registry.Infer(node, v => graph.Types.GetValueOrDefault(v), graph.ConstantOrNull);
                    for (int i = 0; i < node.Outputs.Length; i++)
                    {
                        var recorded = graph.Types.GetValueOrDefault(node.Outputs[i]);
                        if (recorded != inferred[i])
                        {
                            problems.Add($"{node.Describe()} output '{node.Outputs[i]}' is recorded as {recorded?.ToString() ?? "untyped"} but infers as {inferred[i]}");
                        }
                    }
                }
                catch (ModelException e)
                {
                    problems.Add($"{node.Describe()}: {e.Message}");
                }
            }
            foreach (var output in node.Outputs)
            {
                if (!defined.Add(output)) { problems.Add($"{node.Describe()} redefines '{output}'"); }
            }
        }
        foreach (var output in graph.Outputs)
        {
            if (!defined.Contains(output)) { problems.Add($"graph output '{output}' is never defined"); }
        }
        if (problems.Count == 0 && BoundedOutputs.FindConsumed(graph) is var (producer, value, consumer))
        {
            problems.Add($"{producer.Describe()}: {BoundedOutputs.Reason(value, consumer)}");
        }
        if (graph.Memory is { } plan && problems.Count == 0) // lifetimes mean something only in a well-formed graph
        {
            problems.AddRange(MemoryPlanner.Check(graph, plan).Select(p => "memory plan: " + p));
        }
        return problems;
    }

    /// <summary>Throws when <see cref="Check"/> finds problems; <paramref name="after"/> names the pass for the message.</summary>
    public static void Verify(Graph graph, OpRegistry registry, string after)
    {
        var problems = Check(graph, registry);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"IR verification failed after {after}:\n  " + string.Join("\n  ", problems.Take(20)));
        }
    }
}
