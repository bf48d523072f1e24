using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Backends.LlvmWasm.Codegen;

/// <summary>
/// Static memory planning: every non-constant value (graph inputs, node outputs) and every per-node scratch buffer
/// gets a fixed offset in one arena. Buffers whose lifetimes (first definition to last use, inclusive) do not overlap
/// share bytes. Graph inputs and outputs live for the whole run, so the host can write and read them at any time.
/// Placement is greedy, largest first, at the lowest offset that fits: simple, deterministic, and close to optimal
/// for the chain-like graphs of CNNs.
/// </summary>
internal sealed class MemoryPlan
{
    public const int Alignment = 64;

    private MemoryPlan(IReadOnlyDictionary<string, long> offsets, IReadOnlyDictionary<int, long> scratch, long arenaBytes)
    {
        Offsets = offsets;
        ScratchOffsets = scratch;
        ArenaBytes = arenaBytes;
    }

    /// <summary>Arena byte offset of each non-constant value.</summary>
    public IReadOnlyDictionary<string, long> Offsets { get; }

    /// <summary>Arena byte offset of each node's scratch buffer, by node index.</summary>
    public IReadOnlyDictionary<int, long> ScratchOffsets { get; }

    public long ArenaBytes { get; }

    private sealed record Buffer(string Key, long Size, int Start, int End)
    {
        public long Offset { get; set; }
    }

    public static MemoryPlan Create(Graph graph, Func<int, long> scratchBytes)
    {
        int end = graph.Nodes.Length;
        var start = new Dictionary<string, int>(StringComparer.Ordinal);
        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var input in graph.Inputs)
        {
            start[input] = -1;
            last[input] = end;
        }
        for (int i = 0; i < graph.Nodes.Length; i++)
        {
            var node = graph.Nodes[i];
            foreach (var input in node.Inputs)
            {
                if (input.Length > 0 && start.ContainsKey(input))
                {
                    last[input] = Math.Max(last[input], i);
                }
            }
            foreach (var output in node.Outputs)
            {
                start[output] = i;
                last[output] = Math.Max(last.GetValueOrDefault(output, i), i);
            }
        }
        foreach (var output in graph.Outputs.Where(start.ContainsKey))
        {
            last[output] = end;
        }

        var buffers = start.Select(kv => new Buffer("v:" + kv.Key, graph.TypeOf(kv.Key).ByteSize, kv.Value, last[kv.Key])).ToList();
        for (int i = 0; i < graph.Nodes.Length; i++)
        {
            var bytes = scratchBytes(i);
            if (bytes > 0)
            {
                buffers.Add(new Buffer("s:" + i, bytes, i, i));
            }
        }

        var placed = new List<Buffer>();
        long arena = 0;
        foreach (var buffer in buffers.OrderByDescending(b => b.Size).ThenBy(b => b.Start).ThenBy(b => b.Key, StringComparer.Ordinal))
        {
            var conflicts = placed.Where(p => p.Start <= buffer.End && buffer.Start <= p.End).OrderBy(p => p.Offset).ToList();
            long offset = 0;
            foreach (var other in conflicts)
            {
                if (offset + buffer.Size <= other.Offset)
                {
                    break;
                }
                offset = Math.Max(offset, AlignUp(other.Offset + other.Size));
            }
            buffer.Offset = offset;
            placed.Add(buffer);
            arena = Math.Max(arena, AlignUp(offset + buffer.Size));
        }

        return new MemoryPlan(
            placed.Where(b => b.Key.StartsWith("v:", StringComparison.Ordinal)).ToDictionary(b => b.Key[2..], b => b.Offset, StringComparer.Ordinal),
            placed.Where(b => b.Key.StartsWith("s:", StringComparison.Ordinal)).ToDictionary(b => int.Parse(b.Key[2..]), b => b.Offset),
            Math.Max(arena, Alignment));
    }

    private static long AlignUp(long value) => (value + Alignment - 1) / Alignment * Alignment;
}
