using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Backends.LlvmWasm.Codegen;

/// <summary>The arena bytes one kernel reads (its run-time inputs) and writes (its outputs and its scratch).</summary>
internal sealed record KernelAccess(IReadOnlyList<MemorySlot> Reads, IReadOnlyList<MemorySlot> Writes)
{
    /// <summary>Whether running this kernel and <paramref name="other"/> at the same time could race: one writes what the other touches.</summary>
    public bool ConflictsWith(KernelAccess other)
        => Writes.Any(w => other.Reads.Any(w.Overlaps) || other.Writes.Any(w.Overlaps)) || Reads.Any(r => other.Writes.Any(r.Overlaps));
}

/// <summary>
/// Where a threaded module's workers must meet between two kernels (<see cref="Threading.EmitRunner"/>). A barrier
/// before kernel j is needed only if j could race with a kernel that ran since the last barrier on another worker:
/// one of the two is split (so its pieces run on every worker) and one writes arena bytes the other reads or writes
/// (a value, or scratch, which the memory plan reuses). Kernels that do not depend on each other, e.g. attention's
/// query, key and value products that all read the same normalised input, run back to back without one; a run of
/// unsplit kernels all runs on worker 0 in program order and needs none either. Constants are read-only and a
/// kernel's own state (Winograd's transformed weights, per-worker scratch) is touched by that kernel alone.
/// </summary>
internal static class BarrierPlan
{
    /// <summary>Each node's accesses, from the memory plan and the kernels' scratch placement.</summary>
    public static IReadOnlyList<KernelAccess> Accesses(Graph graph, ArenaLayout layout, Func<int, long> scratchBytes)
    {
        MemorySlot? SlotOf(string value) => value.Length > 0 && layout.Values.Slots.TryGetValue(value, out var slot) ? slot : null;
        return graph.Nodes.Select((node, i) =>
        {
            var writes = node.Outputs.Select(SlotOf).OfType<MemorySlot>().ToList();
            if (layout.ScratchOffsets.TryGetValue(i, out var offset))
            {
                writes.Add(new MemorySlot(offset, scratchBytes(i)));
            }
            return new KernelAccess(node.Inputs.Select(SlotOf).OfType<MemorySlot>().ToList(), writes);
        }).ToList();
    }

    /// <summary>
    /// For each kernel boundary i (between kernel i and i + 1): whether the workers meet there. Without
    /// <paramref name="accesses"/>, wherever a split kernel starts or ends.
    /// </summary>
    public static bool[] Barriers(IReadOnlyList<bool> splits, IReadOnlyList<KernelAccess>? accesses)
    {
        var barriers = new bool[Math.Max(0, splits.Count - 1)];
        var sinceBarrier = new List<int>();
        for (int j = 0; j < splits.Count; j++)
        {
            if (j > 0)
            {
                bool needed = accesses is null
                    ? splits[j - 1] || splits[j]
                    : sinceBarrier.Any(i => (splits[i] || splits[j]) && accesses[i].ConflictsWith(accesses[j]));
                if (needed)
                {
                    barriers[j - 1] = true;
                    sinceBarrier.Clear();
                }
            }
            sinceBarrier.Add(j);
        }
        return barriers;
    }
}
