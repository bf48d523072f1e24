using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using static WasmGraph.Abstractions.Ops.ShapeMath;

namespace WasmGraph.Abstractions.Ops;

public static partial class StandardOps
{
    /// <summary>Ops whose fused form FusedElementwise may contain: parameterless float32 maps of one or two operands.</summary>
    public static readonly ImmutableHashSet<string> FusibleUnary = ["Relu", "Sigmoid", "Tanh", "Erf", "Exp", "Sqrt", "Neg", "Abs", "Reciprocal"];

    public static readonly ImmutableHashSet<string> FusibleBinary = ["Add", "Sub", "Mul", "Div", "Pow"];

    public static IEnumerable<OpDefinition> Fused()
    {
        yield return new OpDefinition("FusedElementwise", FusionKind.Elementwise, InferFused,
            "a chain or small DAG of elementwise ops evaluated in one loop (made by fuse-elementwise)")
        {
            RequiredAttributes = ["steps"],
        };
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
