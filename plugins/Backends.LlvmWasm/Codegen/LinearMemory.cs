using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Backends.LlvmWasm.Codegen;

/// <summary>
/// What the module's linear memory must hold statically (weights, arena, stack), checked against what our toolchain
/// can lay out, before any LLVM work. Past the limit LLVM or wasm-ld only find out after materialising the arena in the
/// object file (9 GB of host memory and half a minute for MiniLM at 160×512), then abort ("section size does not fit
/// in a uint32_t" past 4 GiB; wasm-ld "LEB is outside Varint32 range" past 2 GiB). Here it is a user error naming the
/// byte counts, in milliseconds.
/// </summary>
internal static class LinearMemory
{
    /// <summary>
    /// 2 GiB, not wasm32's 4: a wasm object file records data offsets and relocation addends as signed 32-bit LEBs,
    /// so wasm-ld 19 aborts on any datum at or past 2^31 (measured: a 1.99 GiB arena links, 2.01 GiB does not).
    /// </summary>
    public const long StaticBytes = 1L << 31;

    /// <summary>The shadow stack wasm-ld reserves (its -z stack-size).</summary>
    public const int StackBytes = 64 * 1024;

    /// <summary>
    /// Throws when no wasm32 memory can hold a single one of the graph's values; run before memory planning so that
    /// the planner's sums stay far from overflow (no value past 2 GiB, at most a few thousand values).
    /// </summary>
    public static void ThrowIfAnyValueTooLarge(Graph graph)
    {
        foreach (var value in graph.Inputs.Concat(graph.Nodes.SelectMany(n => n.Outputs)).Where(v => v.Length > 0))
        {
            var bytes = BytesOf(graph.TypeOf(value));
            if (bytes > StaticBytes)
            {
                throw Refusal(graph, $"value '{value}' ({graph.TypeOf(value)}) alone needs {ByteCount.Describe(bytes)}");
            }
        }
    }

    /// <summary>
    /// Throws when the weights (the graph's constants, which become data segments; packed copies are about the same
    /// size), the kernels' lifetime state (<paramref name="kernelStateBytes"/>: zero-initialised globals such as
    /// Winograd's transformed weights, up to 4× the weights they come from), the arena of <paramref name="layout"/> and
    /// the stack together exceed <see cref="StaticBytes"/>.
    /// </summary>
    public static void ThrowIfTooLarge(Graph graph, ArenaLayout layout, long kernelStateBytes)
    {
        long weights = graph.Nodes.SelectMany(n => n.Inputs).Concat(graph.Outputs).Where(graph.IsConstant)
                            .Distinct(StringComparer.Ordinal).Sum(c => (long)graph.Constants[c].Bytes.Length);
        long total = weights + kernelStateBytes + layout.ArenaBytes + StackBytes; // each term is below 2^62: no overflow
        if (total > StaticBytes)
        {
            var state = kernelStateBytes > 0 ? $" + kernel state {ByteCount.Describe(kernelStateBytes)}" : "";
            throw Refusal(graph, $"needs {ByteCount.Describe(total)} of linear memory (weights {ByteCount.Describe(weights)}{state} + arena {ByteCount.Describe(layout.ArenaBytes)} + stack {ByteCount.Describe(StackBytes)})");
        }
    }

    /// <summary>The refusal for a module that passed <see cref="ThrowIfTooLarge"/> by less than the linker's own layout adds.</summary>
    public static ModelException LinkerRefusal(Graph graph, ArenaLayout layout, string linkerMessage)
        => Refusal(graph, $"needs more than 2 GiB of linear memory once linked (arena {ByteCount.Describe(layout.ArenaBytes)}; wasm-ld: {linkerMessage})");

    private static long BytesOf(TensorType type)
    {
        try
        {
            return type.ByteSize;
        }
        catch (OverflowException)
        {
            return long.MaxValue; // more elements than a long counts: certainly too large
        }
    }

    private static ModelException Refusal(Graph graph, string need)
        => new($"{need} but a wasm32 module's data is limited to 2 GiB (object files address it with signed 32-bit offsets); use a smaller --input-shape",
               graph.SourceOf());
}
