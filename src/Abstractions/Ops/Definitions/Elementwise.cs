using WasmGraph.Abstractions.Ir;
using static WasmGraph.Abstractions.Ops.ShapeMath;

namespace WasmGraph.Abstractions.Ops;

public static partial class StandardOps
{
    public static IEnumerable<OpDefinition> Elementwise()
    {
        // Add, Sub, Mul and Div are defined with the other broadcasting ops (Broadcasting.cs), with their evaluators.
        yield return new OpDefinition("Relu", FusionKind.Elementwise, SameAsInput, "max(x, 0)")
        {
            FusedRoles = FusedRoles.UnaryStep | FusedRoles.Activation,
            Evaluate = (node, inputs, types) => ConstantMath.One(ConstantMath.Broadcast([inputs[0]!], types[0], v => v[0] < 0 ? 0 : v[0], v => Math.Max(v[0], 0))),
        };
        yield return new OpDefinition("Sigmoid", FusionKind.Elementwise, SameAsInput, "1 / (1 + exp(-x))")
        {
            FusedRoles = FusedRoles.UnaryStep | FusedRoles.Activation,
            Evaluate = (node, inputs, types) => ConstantMath.One(ConstantMath.Broadcast([inputs[0]!], types[0], v => 1 / (1 + Math.Exp(-v[0])), null)),
        };
        yield return new OpDefinition("Clip", FusionKind.Elementwise, SameAsInput, "min(max(x, min), max)")
        {
            FusedRoles = FusedRoles.Activation,
            RequiredAttributes = ["min", "max"],
        };
    }

    private static System.Collections.Immutable.ImmutableArray<TensorType> SameAsInput(InferenceContext c) => One(c.Input(0));

    private static System.Collections.Immutable.ImmutableArray<TensorType> Binary(InferenceContext c)
    {
        var a = c.Input(0);
        var b = c.Input(1);
        if (a.ElementType != b.ElementType)
        {
            throw c.Error($"operands have different element types ({a.ElementType.Name()} and {b.ElementType.Name()})");
        }
        var shape = Broadcast(a.Shape, b.Shape) ?? throw c.Error($"shapes {a.Shape} and {b.Shape} do not broadcast");
        return One(a.ElementType, shape);
    }
}
