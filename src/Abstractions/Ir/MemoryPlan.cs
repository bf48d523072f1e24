using System.Collections.Immutable;

namespace WasmGraph.Abstractions.Ir;

/// <summary>Where one value lives in the arena: <see cref="Bytes"/> bytes from <see cref="Offset"/>.</summary>
public sealed record MemorySlot(long Offset, long Bytes)
{
    public long End => Offset + Bytes;

    /// <summary>Whether the two byte ranges share a byte (an empty slot shares none).</summary>
    public bool Overlaps(MemorySlot other) => Bytes > 0 && other.Bytes > 0 && Offset < other.End && other.Offset < End;

    public override string ToString() => $"[{Offset}, {End})";
}

/// <summary>
/// A static memory plan: every non-constant value of a graph (its inputs and the node outputs) at a fixed, aligned
/// byte offset in one arena, values whose lifetimes do not overlap sharing bytes. It is backend-neutral: it knows
/// nothing of kernel scratch, which a backend places in the gaps itself. <see cref="MemoryPlanner"/> computes and
/// checks plans; <see cref="Graph.Memory"/> carries one from the plan-memory pass to the backend.
/// </summary>
public sealed record MemoryPlan(ImmutableDictionary<string, MemorySlot> Slots, long ArenaBytes, int Alignment)
{
    /// <summary>A cache line: no two buffers share one, and any SIMD width up to 512 bits is aligned.</summary>
    public const int DefaultAlignment = 64;

    /// <summary>The widest element (int64, float64), so that every element of every value is naturally aligned.</summary>
    public const int MinimumAlignment = 8;

    public static bool IsValidAlignment(int alignment) => alignment >= MinimumAlignment && (alignment & (alignment - 1)) == 0;

    /// <summary>What the values would take with no reuse at all: the sum of their slot sizes.</summary>
    public long BufferBytes => Slots.Values.Sum(s => s.Bytes);

    public MemorySlot SlotOf(string value)
        => Slots.TryGetValue(value, out var slot) ? slot : throw new KeyNotFoundException($"value '{value}' has no slot in the memory plan");
}
