using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Abstractions.Ops;

/// <summary>How an op may take part in fusion, after TVM's op patterns.</summary>
public enum FusionKind
{
    /// <summary>Output element i depends only on input element i (Relu, Add with broadcast).</summary>
    Elementwise,
    /// <summary>Pure data movement with a static index map (Transpose, Reshape, Concat).</summary>
    Injective,
    /// <summary>Reduces along axes (Softmax, pooling, ReduceMean).</summary>
    Reduction,
    /// <summary>Heavy op whose output can absorb following elementwise ops (Conv, Gemm, MatMul).</summary>
    OutElementwiseFusable,
    /// <summary>Never fused.</summary>
    Opaque,
}

/// <summary>
/// Where a fused op may contain this op, read by the fusion passes (so that no pass keeps its own list of ops).
/// </summary>
[Flags]
public enum FusedRoles
{
    None = 0,
    /// <summary>A parameterless float32 map of one operand: a step of FusedElementwise (Tanh, Erf, Relu).</summary>
    UnaryStep = 1,
    /// <summary>A parameterless float32 map of two broadcast operands: a step of FusedElementwise (Add, Mul).</summary>
    BinaryStep = 2,
    /// <summary>
    /// An activation a fused producer applies as it stores (the <see cref="FusedOps.Activation"/> attribute); its own
    /// attributes travel with it as <see cref="FusedOps.ActivationParameter"/> (Clip's min becomes activation_min).
    /// </summary>
    Activation = 4,
}

/// <summary>What type and shape inference sees: the node, its input types, and any input that is a constant.</summary>
public sealed class InferenceContext
{
    public InferenceContext(Node node, ImmutableArray<TensorType?> inputTypes, ImmutableArray<TensorData?> constantInputs)
    {
        Node = node;
        InputTypes = inputTypes;
        ConstantInputs = constantInputs;
    }

    public Node Node { get; }
    public ImmutableArray<TensorType?> InputTypes { get; }
    public ImmutableArray<TensorData?> ConstantInputs { get; }
    public Attributes Attributes => Node.Attributes;

    public int InputCount => InputTypes.Length;

    public bool HasInput(int index) => index < InputTypes.Length && InputTypes[index] is not null;

    public TensorType Input(int index)
        => HasInput(index) ? InputTypes[index]! : throw Error($"input {index} is required");

    public TensorData? ConstantOrNull(int index) => index < ConstantInputs.Length ? ConstantInputs[index] : null;

    public TensorData Constant(int index)
        => ConstantOrNull(index) ?? throw Error($"input {index} ('{Node.InputOrNull(index)}') must be a compile-time constant");

    /// <summary>An error that names this node and op; throw it from inference functions.</summary>
    public ModelException Error(string message) => new(message, node: Node.Name, op: Node.Op);
}

public delegate ImmutableArray<TensorType> InferTypes(InferenceContext context);

/// <summary>Computes constant outputs from constant inputs (constant folding, and an oracle for tiny tests).</summary>
public delegate ImmutableArray<TensorData> Evaluate(Node node, ImmutableArray<TensorData?> inputs, ImmutableArray<TensorType> outputTypes);

/// <summary>
/// Everything the compiler knows about one IR op, as data: its name, its canonical attributes (documented in
/// <c>docs/ir.md</c>), how to infer output types, how it fuses, and optionally how to evaluate it on constants.
/// </summary>
public sealed record OpDefinition(string Name, FusionKind Fusion, InferTypes InferTypes, string Summary)
{
    public Evaluate? Evaluate { get; init; }

    /// <summary>
    /// How frontends read this op from model files. Empty for the standard ops, whose importers live in their frontend;
    /// an op added by a plugin declares here the (domain, op type) it stands for, since the frontend cannot know it.
    /// </summary>
    public ImmutableArray<OpImport> Imports { get; init; } = ImmutableArray<OpImport>.Empty;

    /// <summary>The op as other registry ops, for backends without a kernel of their own for it (null: none).</summary>
    public Decompose? Decomposition { get; init; }

    /// <summary>
    /// The element types ONNX allows for the typed operand (input <see cref="ConstrainedInput"/>, the schema's type
    /// variable T). Empty: not constrained here (the inference function checks what it needs). Checked by
    /// <see cref="OpRegistry.Infer"/> before inference, so a model that breaks the schema fails with a clear message.
    /// </summary>
    public ImmutableArray<DataType> ElementTypes { get; init; } = ImmutableArray<DataType>.Empty;

    /// <summary>The input whose element type <see cref="ElementTypes"/> constrains.</summary>
    public int ConstrainedInput { get; init; }

    /// <summary>
    /// The op that fuse-activation turns this one into when it absorbs the activation that follows it (Conv →
    /// FusedConv; a fused form names itself, so that a FusedConv made by fuse-residual can still take one); null: none.
    /// </summary>
    public string? FusedForm { get; init; }

    /// <summary>Where fused ops may contain this op (see <see cref="Ops.FusedRoles"/>).</summary>
    public FusedRoles FusedRoles { get; init; }

    /// <summary>Attributes the canonical form always carries (the frontend fills defaults).</summary>
    public ImmutableArray<string> RequiredAttributes { get; init; } = ImmutableArray<string>.Empty;
}
