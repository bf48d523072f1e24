using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Backends.LlvmWasm.Codegen;

/// <summary>
/// The arena as the module uses it: the values' memory plan (the graph's own, from the plan-memory pass, or computed
/// here by the same <see cref="MemoryPlanner"/> when the pass did not run) plus each kernel's scratch buffer, which
/// only the kernel generators can size. Scratch lives only while its kernel runs, so it goes into the gaps the values
/// leave at that step and grows the arena only when no gap is large enough.
/// </summary>
internal sealed record ArenaLayout(MemoryPlan Values, IReadOnlyDictionary<int, long> ScratchOffsets, long ArenaBytes)
{
    /// <summary>The bytes by which kernel scratch grows the arena beyond the values' plan.</summary>
    public long ScratchBytes => ArenaBytes - Values.ArenaBytes;

    public static ArenaLayout Create(Graph graph, Func<int, long> scratchBytes)
    {
        var values = graph.Memory ?? MemoryPlanner.Plan(graph);
        if (graph.Memory is not null && MemoryPlanner.Check(graph, values) is { Count: > 0 } problems)
        {
            // A plan that no longer fits would let live tensors overwrite each other: refuse it rather than miscompile.
            throw new InvalidOperationException(
                "the graph's memory plan does not fit the graph (was it rewritten after plan-memory?):\n  " + string.Join("\n  ", problems.Take(10)));
        }
        var (scratch, arena) = MemoryPlanner.PlaceTemporaries(graph, values, scratchBytes);
        return new ArenaLayout(values, scratch, arena);
    }
}
