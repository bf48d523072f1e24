using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Backends.LlvmWasm.Codegen;

/// <summary>One op family's code generator. Implementations are stateless and named after what they generate.</summary>
internal interface IKernelGenerator
{
    IReadOnlyList<string> Ops { get; }

    /// <summary>
    /// Element types the generator lowers. The backend checks every input and output against it before
    /// <see cref="CheckSupported"/>, so a generator never sees a type it was not written for. The default is the
    /// types the kernels were first written for; generators generic over element types (byte copies, loops built on
    /// <c>Scalars</c>) widen it.
    /// </summary>
    IReadOnlySet<DataType> ElementTypes => KernelTypes.Original;

    /// <summary>Null when the node can be lowered, else the reason it cannot.</summary>
    string? CheckSupported(Node node, Graph graph);

    /// <summary>
    /// Inputs the kernel reads only at compile time (weights it repacks, BatchNorm statistics). The module generator
    /// does not embed them, so a module never carries both the original and the packed copy of a weight.
    /// </summary>
    IReadOnlyList<int> CompileTimeInputs(Node node, Graph graph) => [];

    /// <summary>Bytes of private scratch memory the kernel needs (padded copies, packed panels).</summary>
    long ScratchBytes(Node node, Graph graph) => 0;

    /// <summary>
    /// Bytes the kernel keeps for the instance's whole life outside the arena: zero-initialised globals such as the
    /// Winograd kernels' transformed weights. They cost memory, not module bytes, and <see cref="LinearMemory"/> counts
    /// them against wasm32's 2 GiB with the weights and the arena.
    /// </summary>
    long StaticBytes(Node node, Graph graph) => 0;

    void Emit(KernelContext k);

    /// <summary>
    /// Whether the kernel stops its reduction or contraction at the run-time extent (<see cref="KernelContext.Extent"/>)
    /// when the node reduces along an axis that follows it (<see cref="RunTimeExtentAnalysis.Check"/> says
    /// <see cref="ExtentNeed.Kernel"/>); without it such a node is refused, never computed over the padding.
    /// </summary>
    bool FollowsRunTimeExtent(Node node, Graph graph) => false;

    /// <summary>
    /// Which of its algorithms the generator uses for this node and what decided it (see <see cref="Abstractions.Plugins.KernelInfo.Algorithm"/>),
    /// for generators that have more than one; null otherwise.
    /// </summary>
    (string Algorithm, string ChosenBy)? Choice(Node node, Graph graph) => null;
}

/// <summary>Element-type sets for <see cref="IKernelGenerator.ElementTypes"/>.</summary>
internal static class KernelTypes
{
    /// <summary>float32, float64, int64, int32, int8, uint8, bool.</summary>
    public static readonly IReadOnlySet<DataType> Original = new HashSet<DataType>
    {
        DataType.Float32, DataType.Float64, DataType.Int64, DataType.Int32, DataType.Int8, DataType.UInt8, DataType.Bool,
    };

    public static readonly IReadOnlySet<DataType> All = new HashSet<DataType>(DataTypes.All);
}
