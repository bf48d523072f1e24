using System.Runtime.InteropServices;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Codegen;

/// <summary>
/// What a kernel generator gets for one node: the emitter positioned inside the node's own function, pointers to each
/// input and output (function parameters marked noalias), its scratch buffer, the static types, and access to
/// constant inputs so that generators can specialise on weights (BatchNorm scale/shift, packed layouts).
/// </summary>
internal sealed class KernelContext
{
    private readonly Func<ReadOnlyMemory<byte>, LValue> _addConstant;
    private readonly Func<string, LValue?> _dimsOf;

    public KernelContext(Emitter emitter, Node node, Graph graph, IReadOnlyList<LValue?> inputs, IReadOnlyList<LValue> outputs,
                         LValue? scratch, Func<ReadOnlyMemory<byte>, LValue> addConstant, Func<string, LValue?> dimsOf)
    {
        E = emitter;
        Node = node;
        Graph = graph;
        Inputs = inputs;
        Outputs = outputs;
        Scratch = scratch;
        _addConstant = addConstant;
        _dimsOf = dimsOf;
    }

    public Emitter E { get; }
    public Node Node { get; }
    public Graph Graph { get; }
    public IReadOnlyList<LValue?> Inputs { get; }
    public IReadOnlyList<LValue> Outputs { get; }
    public LValue? Scratch { get; }

    public Attributes Attributes => Node.Attributes;

    public LValue Input(int index) => Inputs[index] ?? throw new InvalidOperationException($"{Node.Describe()} has no input {index}");

    public LValue Output(int index) => Outputs[index];

    /// <summary>
    /// Where a bounded output's actual dims go: the output's <c>rank</c> i32 entries that <c>wg_output_dims</c> reports
    /// (docs/abi.md), to which the kernel writes each dynamic extent on every run. Null when the output is not a graph
    /// output (nothing reads it, so nothing needs its size).
    /// </summary>
    public LValue? OutputDims(int index) => _dimsOf(Node.Outputs[index]);

    /// <summary>Stores a bounded output's actual extent along <paramref name="axis"/> (an i32) when a host can ask for it.</summary>
    public void StoreOutputDim(int index, int axis, LValue extent)
    {
        if (OutputDims(index) is { } dims)
        {
            E.Store(E.Ctx.I32, 4, extent, dims, E.I(axis));
        }
    }

    /// <summary>
    /// The module's <c>wg_extent</c> global (the run-time extent, checked by <c>wg_run</c>); null in a static module and
    /// in the copy of a kernel that <c>wg_run</c> calls when the extent is the bound (<see cref="ModuleGenerator"/>).
    /// </summary>
    public LValue? ExtentGlobal { get; init; }

    /// <summary>Loads the run-time extent (an i32 within the bound); only in a module that has one.</summary>
    public LValue Extent() => E.B.Load(E.Ctx.I32, ExtentGlobal ?? throw new InvalidOperationException("the module has no run-time extent"), 4);

    /// <summary>
    /// The axes of input <paramref name="index"/> that follow the run-time extent: none in a static module, and none in
    /// a kernel generated for the extent at its bound (<see cref="ExtentGlobal"/> null), which is the static module's code.
    /// </summary>
    public DynamicDims InputExtentAxes(int index) => ExtentAxes(Node.Inputs[index]);

    /// <summary>The axes of output <paramref name="index"/> that follow the run-time extent (as <see cref="InputExtentAxes"/>).</summary>
    public DynamicDims OutputExtentAxes(int index) => ExtentAxes(Node.Outputs[index]);

    private DynamicDims ExtentAxes(string value) => ExtentGlobal is null ? DynamicDims.None : Graph.Extent?.AxesOf(value) ?? DynamicDims.None;

    /// <summary>
    /// For a kernel that walks <paramref name="type"/> (axes <paramref name="axes"/> following the extent) row-major
    /// from the start: how many of its leading elements hold data, when one extent axis is the outermost axis longer
    /// than 1 (a prefix); null when the data region is not a prefix (walk the bound).
    /// </summary>
    public LValue? DataPrefix(TensorType type, DynamicDims axes)
    {
        if (ExtentGlobal is null || axes.IsEmpty)
        {
            return null;
        }
        var dims = type.Shape.Dims;
        int first = axes.Axes.First();
        if (dims.Take(first).Any(d => d != 1))
        {
            return null;
        }
        long inner = dims.Skip(first + 1).Aggregate(1L, (x, y) => x * y);
        return E.Mul(Extent(), inner);
    }

    /// <summary>
    /// For a loop nest over output <paramref name="index"/> coalesced into <paramref name="dims"/> (unit axes dropped,
    /// as <c>BinaryKernel.Coalesce</c> does): how many iterations of the outermost loop cover its data under a run-time
    /// extent (<see cref="DataPrefix"/>); null to walk the whole bound.
    /// </summary>
    public LValue? OuterCount(int index, IReadOnlyList<long> dims)
    {
        var type = OutputType(index);
        if (dims.Count == 0 || DataPrefix(type, OutputExtentAxes(index)) is not { } prefix)
        {
            return null;
        }
        long perOuter = type.Shape.ElementCount / dims[0];
        return E.B.Binary(BinaryOp.UDiv, prefix, E.I(perOuter));
    }

    /// <summary>
    /// How many images of a batch hold data: the run-time extent when axis 0 (the batch) of input 0 and of output 0
    /// follows it, which a CNN compiled with <c>--input-shape x=1..8,3,224,224</c> has; null to compute all of them.
    /// </summary>
    public LValue? BatchExtent()
        => InputExtentAxes(0).Contains(0) && OutputExtentAxes(0).Contains(0) ? Extent() : null;

    /// <summary>
    /// <c>for (n = 0; n &lt; images; n++) body(n)</c> over the batch axis of a convolution: stops at the run-time
    /// extent (<see cref="BatchExtent"/>), so a batch-1 run of a <c>1..8</c> module costs one image, not eight.
    /// </summary>
    public void ForEachImage(long images, Action<LValue> body)
    {
        if (BatchExtent() is { } count)
        {
            E.ForRuntime(E.I(0), count, body);
            return;
        }
        E.For(images, body);
    }

    /// <summary>
    /// The (image, channel) planes of a pooling kernel, <paramref name="images"/> × <paramref name="channels"/>,
    /// split over the workers of a threaded module, or stopped at the run-time batch extent (a module has one or the
    /// other: LlvmWasmBackend refuses both together).
    /// </summary>
    public void ForEachPlane(long images, long channels, Action<LValue> body)
    {
        if (BatchExtent() is { } count)
        {
            E.ForRuntime(E.I(0), E.Mul(count, channels), body);
            return;
        }
        E.ParallelFor(0, images * channels, 1, body);
    }

    public TensorType InputType(int index) => Graph.TypeOf(Node.Inputs[index]);

    public TensorType OutputType(int index) => Graph.TypeOf(Node.Outputs[index]);

    public bool HasInput(int index) => Node.InputOrNull(index) is not null;

    public TensorData? ConstantInput(int index) => Graph.ConstantOrNull(Node.InputOrNull(index));

    /// <summary>Embeds a compile-time float table in the module (a data segment) and returns a pointer to it.</summary>
    public LValue EmbedFloats(float[] values) => _addConstant(MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    /// <summary>Embeds a compile-time i32 table (offsets, indices).</summary>
    public LValue EmbedInts(int[] values) => _addConstant(MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    /// <summary>Embeds a compile-time i64 table (token ids).</summary>
    public LValue EmbedLongs(long[] values) => _addConstant(MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    public ModelException Unsupported(string detail) => new($"cannot lower: {detail}", node: Node.Name, op: Node.Op);
}
