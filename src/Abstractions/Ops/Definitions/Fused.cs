using System.Collections.Frozen;
using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using static WasmGraph.Abstractions.Ops.ShapeMath;

namespace WasmGraph.Abstractions.Ops;

/// <summary>
/// The names of the fused ops and of their attributes, used by the passes that make them and the backends that lower
/// them (docs/ir.md, "Fused ops"). Which ops may be fused into them is data on each <see cref="OpDefinition"/>
/// (<see cref="OpDefinition.FusedForm"/>, <see cref="OpDefinition.FusedRoles"/>).
/// </summary>
public static class FusedOps
{
    /// <summary>Conv (X, W, B?) plus an optional residual (input <see cref="ResidualInput"/>) and activation.</summary>
    public const string Conv = "FusedConv";

    /// <summary>Gemm plus an activation.</summary>
    public const string Gemm = "FusedGemm";

    /// <summary>MatMul plus an activation.</summary>
    public const string MatMul = "FusedMatMul";

    /// <summary>A chain of elementwise steps in one loop (attribute <c>steps</c>).</summary>
    public const string Elementwise = "FusedElementwise";

    /// <summary>The activation applied to each output as it is stored: the name of an op with <see cref="FusedRoles.Activation"/>.</summary>
    public const string Activation = "activation";

    /// <summary>The input of FusedConv (and ConvBlocked) added to the output before the activation; same type as the output.</summary>
    public const int ResidualInput = 3;

    private const string ParameterPrefix = "activation_";

    /// <summary>The fused op's name for the activation's own attribute <paramref name="attribute"/> (Clip's min → activation_min).</summary>
    public static string ActivationParameter(string attribute) => ParameterPrefix + attribute;
}

public static partial class StandardOps
{
    /// <summary>Ops whose fused form FusedElementwise may contain: parameterless float32 maps of one operand.</summary>
    public static ImmutableHashSet<string> FusibleUnary => Roles.Unary;

    /// <summary>Ops whose fused form FusedElementwise may contain: parameterless float32 maps of two operands.</summary>
    public static ImmutableHashSet<string> FusibleBinary => Roles.Binary;

    /// <summary>The activations a fused producer may apply as it stores, by name.</summary>
    public static FrozenDictionary<string, OpDefinition> FusedActivations => Roles.Activations;

    /// <summary>The standard ops' <see cref="FusedRoles"/>, gathered once (a nested class, so it starts after the op tables).</summary>
    private static class Roles
    {
        private static readonly OpDefinition[] Ops = All().ToArray();
        public static readonly ImmutableHashSet<string> Unary = Ops.Where(o => o.FusedRoles.HasFlag(FusedRoles.UnaryStep)).Select(o => o.Name).ToImmutableHashSet();
        public static readonly ImmutableHashSet<string> Binary = Ops.Where(o => o.FusedRoles.HasFlag(FusedRoles.BinaryStep)).Select(o => o.Name).ToImmutableHashSet();
        public static readonly FrozenDictionary<string, OpDefinition> Activations =
            Ops.Where(o => o.FusedRoles.HasFlag(FusedRoles.Activation)).ToFrozenDictionary(o => o.Name, StringComparer.Ordinal);
    }

    public static IEnumerable<OpDefinition> Fused()
    {
        yield return new OpDefinition(FusedOps.Elementwise, FusionKind.Elementwise, InferFused,
            "a chain or small DAG of elementwise ops evaluated in one loop (made by fuse-elementwise)")
        {
            RequiredAttributes = ["steps"],
        };
        yield return new OpDefinition(FusedOps.Conv, FusionKind.OutElementwiseFusable, InferFusedConv,
            "Conv, then + residual (input 3), then an activation, in the convolution's store (made by fuse-residual, fuse-activation)")
        {
            RequiredAttributes = ["kernel_shape", "strides", "dilations", "pads", "group"],
            FusedForm = FusedOps.Conv,
        };
        yield return new OpDefinition(FusedOps.Gemm, FusionKind.OutElementwiseFusable, c => WithEpilogue(c, InferGemm(c), residual: false),
            "Gemm, then an activation, in the product's store (made by fuse-activation)")
        {
            RequiredAttributes = ["alpha", "beta", "transA", "transB"],
            FusedForm = FusedOps.Gemm,
        };
        yield return new OpDefinition(FusedOps.MatMul, FusionKind.OutElementwiseFusable, c => WithEpilogue(c, InferMatMul(c), residual: false),
            "MatMul, then an activation, in the product's store (made by fuse-activation)")
        {
            FusedForm = FusedOps.MatMul,
        };
    }

    private static ImmutableArray<TensorType> InferFusedConv(InferenceContext c) => WithEpilogue(c, InferConvOperands(c), residual: true);

    /// <summary>
    /// Checks the operands and attributes a fused producer adds to its plain op's: the residual must have the output's
    /// exact type, the activation must be a registered activation with all its parameters, and both need float32.
    /// </summary>
    private static ImmutableArray<TensorType> WithEpilogue(InferenceContext c, ImmutableArray<TensorType> outputs, bool residual)
    {
        var output = outputs[0];
        if (c.HasInput(FusedOps.ResidualInput))
        {
            var shortcut = c.Input(FusedOps.ResidualInput);
            if (!residual)
            {
                throw c.Error($"input {FusedOps.ResidualInput}: {c.Node.Op} takes no residual");
            }
            if (shortcut != output)
            {
                throw c.Error($"the residual (input {FusedOps.ResidualInput}) is {shortcut}; it must have the output's type {output}");
            }
        }
        if (c.Attributes.Get(FusedOps.Activation) is { } activation)
        {
            if (activation.Kind != AttributeKind.String || !FusedActivations.TryGetValue(activation.String, out var definition))
            {
                throw c.Error($"attribute '{FusedOps.Activation}' is {activation}, not one of {string.Join(", ", FusedActivations.Keys.Order(StringComparer.Ordinal))}");
            }
            if (definition.RequiredAttributes.Select(FusedOps.ActivationParameter).FirstOrDefault(p => !c.Attributes.Has(p)) is { } missing)
            {
                throw c.Error($"activation {activation.String} needs attribute '{missing}'");
            }
        }
        if ((c.HasInput(FusedOps.ResidualInput) || c.Attributes.Has(FusedOps.Activation)) && output.ElementType != DataType.Float32)
        {
            throw c.Error($"the output is {output.ElementType.Name()}; a fused residual or activation needs float32");
        }
        return outputs;
    }

    /// <summary>
    /// Parses one step of FusedElementwise's <c>steps</c> attribute: <c>"Op ref"</c> or <c>"Op ref ref"</c>, where a
    /// reference is <c>iN</c> (input N of the node) or <c>sN</c> (the result of step N, N earlier than this step).
    /// </summary>
    public static (string Op, ImmutableArray<(bool Step, int Index)> Operands) ParseFusedStep(string step)
    {
        var parts = step.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 2 or > 3 || !(FusibleUnary.Contains(parts[0]) ? parts.Length == 2 : FusibleBinary.Contains(parts[0]) && parts.Length == 3))
        {
            throw new ModelException($"FusedElementwise step '{step}' is not 'Op ref [ref]' with a fusible op");
        }
        var operands = parts.Skip(1).Select(p => p.Length >= 2 && (p[0] == 'i' || p[0] == 's') && int.TryParse(p[1..], out var n) && n >= 0
            ? (p[0] == 's', n)
            : throw new ModelException($"FusedElementwise step '{step}': '{p}' is not iN or sN")).ToImmutableArray();
        return (parts[0], operands);
    }

    private static ImmutableArray<TensorType> InferFused(InferenceContext c)
    {
        var steps = c.Attributes.Get("steps")?.Strings ?? throw c.Error("attribute 'steps' is missing");
        if (steps.IsEmpty)
        {
            throw c.Error("no steps");
        }
        var shape = Shape.Scalar;
        for (int i = 0; i < c.InputCount; i++)
        {
            var input = c.Input(i);
            if (input.ElementType != DataType.Float32)
            {
                throw c.Error($"input {i} is {input.ElementType.Name()}; fused elementwise ops are float32");
            }
            shape = Broadcast(shape, input.Shape) ?? throw c.Error($"input {i} of shape {input.Shape} does not broadcast with {shape}");
        }
        for (int s = 0; s < steps.Length; s++)
        {
            foreach (var (isStep, index) in ParseFusedStep(steps[s]).Operands)
            {
                if (isStep ? index >= s : index >= c.InputCount)
                {
                    throw c.Error($"step {s} ('{steps[s]}') refers to {(isStep ? "a later step" : "a missing input")}");
                }
            }
        }
        return One(DataType.Float32, shape);
    }
}
