using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using static WasmGraph.Abstractions.Ops.ShapeMath;

namespace WasmGraph.Abstractions.Ops;

/// <summary>
/// Binary and ternary ops with NumPy broadcasting beyond the four arithmetic ones: Pow, Max, Min, Mod, PRelu,
/// comparisons and logic (bool results), and Where. Each carries its scalar semantics as an evaluator.
/// </summary>
public static partial class StandardOps
{
    /// <summary>
    /// One broadcasting op: its scalar semantics on doubles (float types), longs (integers and bool) and, where
    /// signedness changes the answer, on ulongs (uint64); the element types ONNX allows for its first operand
    /// (null: any); and the attributes its canonical form carries.
    /// </summary>
    private sealed record BinarySpec(string Op, string Summary, Func<double, double, Attributes, double> F, Func<long, long, Attributes, long>? L,
                                     bool BoolOut = false, string[]? Attrs = null, Func<ulong, ulong, Attributes, ulong>? U = null,
                                     IReadOnlyList<DataType>? Types = null, FusedRoles Roles = FusedRoles.None);

    private static readonly DataType[] PowBaseTypes = [DataType.Int32, DataType.Int64, DataType.Float16, DataType.Float32, DataType.Float64, DataType.BFloat16];

    private static readonly BinarySpec[] BinarySpecs =
    [
        new("Add", "a + b", (a, b, _) => a + b, (a, b, _) => unchecked(a + b), Types: DataTypes.Numeric, Roles: FusedRoles.BinaryStep),
        new("Sub", "a − b", (a, b, _) => a - b, (a, b, _) => unchecked(a - b), Types: DataTypes.Numeric, Roles: FusedRoles.BinaryStep),
        new("Mul", "a · b", (a, b, _) => a * b, (a, b, _) => unchecked(a * b), Types: DataTypes.Numeric, Roles: FusedRoles.BinaryStep),
        new("Div", "a / b (integers truncate toward zero)", (a, b, _) => a / b, (a, b, _) => b == 0 ? 0 : a / b, U: (a, b, _) => b == 0 ? 0 : a / b, Types: DataTypes.Numeric, Roles: FusedRoles.BinaryStep),
        new("Pow", "a^b", (a, b, _) => Math.Pow(a, b), (a, b, _) => (long)Math.Pow(a, b), U: (a, b, _) => ConstantMath.ToULong(Math.Pow(a, b)), Types: PowBaseTypes, Roles: FusedRoles.BinaryStep),
        new("Max", "max(a, b), NaN-propagating", (a, b, _) => double.IsNaN(a) || double.IsNaN(b) ? double.NaN : Math.Max(a, b), (a, b, _) => Math.Max(a, b), U: (a, b, _) => Math.Max(a, b), Types: DataTypes.Numeric),
        new("Min", "min(a, b), NaN-propagating", (a, b, _) => double.IsNaN(a) || double.IsNaN(b) ? double.NaN : Math.Min(a, b), (a, b, _) => Math.Min(a, b), U: (a, b, _) => Math.Min(a, b), Types: DataTypes.Numeric),
        new("Mod", "remainder: sign of the divisor (fmod=0) or of the dividend (fmod=1)", ModDouble, ModLong, Attrs: ["fmod"], U: (a, b, _) => b == 0 ? 0 : a % b, Types: DataTypes.Numeric),
        new("PRelu", "x < 0 ? slope·x : x", (a, b, _) => a < 0 ? a * b : a, (a, b, _) => a < 0 ? a * b : a, Types: DataTypes.Numeric),
        new("BitShift", "a << b or a >> b (direction LEFT or RIGHT); shifting by the bit width or more gives 0", (a, b, _) => throw new InvalidOperationException("BitShift has no float form"), ShiftLong, Attrs: ["direction"], U: ShiftULong, Types: DataTypes.UnsignedIntegers),
        new("Equal", "a == b", (a, b, _) => a == b ? 1 : 0, (a, b, _) => a == b ? 1 : 0, BoolOut: true),
        new("Less", "a < b", (a, b, _) => a < b ? 1 : 0, (a, b, _) => a < b ? 1 : 0, BoolOut: true, U: (a, b, _) => a < b ? 1UL : 0, Types: DataTypes.Numeric),
        new("Greater", "a > b", (a, b, _) => a > b ? 1 : 0, (a, b, _) => a > b ? 1 : 0, BoolOut: true, U: (a, b, _) => a > b ? 1UL : 0, Types: DataTypes.Numeric),
        new("LessOrEqual", "a ≤ b", (a, b, _) => a <= b ? 1 : 0, (a, b, _) => a <= b ? 1 : 0, BoolOut: true, U: (a, b, _) => a <= b ? 1UL : 0, Types: DataTypes.Numeric),
        new("GreaterOrEqual", "a ≥ b", (a, b, _) => a >= b ? 1 : 0, (a, b, _) => a >= b ? 1 : 0, BoolOut: true, U: (a, b, _) => a >= b ? 1UL : 0, Types: DataTypes.Numeric),
        new("And", "a ∧ b", (a, b, _) => a != 0 && b != 0 ? 1 : 0, (a, b, _) => a != 0 && b != 0 ? 1 : 0, BoolOut: true),
        new("Or", "a ∨ b", (a, b, _) => a != 0 || b != 0 ? 1 : 0, (a, b, _) => a != 0 || b != 0 ? 1 : 0, BoolOut: true),
        new("Xor", "a ⊕ b", (a, b, _) => (a != 0) != (b != 0) ? 1 : 0, (a, b, _) => (a != 0) != (b != 0) ? 1 : 0, BoolOut: true),
    ];

    public static IEnumerable<OpDefinition> Broadcasting()
    {
        foreach (var spec in BinarySpecs)
        {
            InferTypes infer = spec.Op switch
            {
                "Pow" => InferPow,
                _ when spec.BoolOut => BinaryToBool,
                _ => Binary,
            };
            yield return new OpDefinition(spec.Op, FusionKind.Elementwise, infer, spec.Summary + " with NumPy broadcasting")
            {
                RequiredAttributes = [.. spec.Attrs ?? []],
                ElementTypes = [.. spec.Types ?? []],
                FusedRoles = spec.Roles,
                Evaluate = (node, inputs, types) => ConstantMath.One(ConstantMath.Broadcast(
                    [inputs[0]!, inputs[1]!], types[0],
                    v => spec.F(v[0], v[1], node.Attributes),
                    spec.L is null ? null : v => spec.L(v[0], v[1], node.Attributes),
                    inputs[0]!.Type.ElementType,
                    spec.U is null ? null : v => spec.U(v[0], v[1], node.Attributes))),
            };
        }
        yield return new OpDefinition("Where", FusionKind.Elementwise, InferWhere, "condition ? x : y with NumPy broadcasting")
        {
            Evaluate = (node, inputs, types) => ConstantMath.One(ConstantMath.Broadcast(
                [inputs[0]!, inputs[1]!, inputs[2]!], types[0], v => v[0] != 0 ? v[1] : v[2], v => v[0] != 0 ? v[1] : v[2], inputs[1]!.Type.ElementType)),
        };
    }

    /// <summary>Float Mod: C fmod (fmod=1), or Python's remainder with the divisor's sign (fmod=0).</summary>
    private static double ModDouble(double a, double b, Attributes attributes)
    {
        double r = a % b; // C# % on doubles is C fmod
        return attributes.GetInt("fmod", 0) == 0 && r != 0 && (r < 0) != (b < 0) ? r + b : r;
    }

    private static long ShiftLong(long a, long b, Attributes attributes)
        => b is < 0 or >= 64 ? 0 : attributes.GetString("direction", "RIGHT") == "LEFT" ? a << (int)b : a >>> (int)b;

    private static ulong ShiftULong(ulong a, ulong b, Attributes attributes)
        => b >= 64 ? 0 : attributes.GetString("direction", "RIGHT") == "LEFT" ? a << (int)b : a >> (int)b;

    private static long ModLong(long a, long b, Attributes attributes)
    {
        if (b == 0) { return 0; }
        long r = a % b;
        return attributes.GetInt("fmod", 0) == 0 && r != 0 && (r < 0) != (b < 0) ? r + b : r;
    }

    private static ImmutableArray<TensorType> BinaryToBool(InferenceContext c)
        => One(DataType.Bool, Binary(c)[0].Shape);

    /// <summary>Pow allows an exponent of another numeric type; the result has the base's type.</summary>
    private static ImmutableArray<TensorType> InferPow(InferenceContext c)
    {
        var a = c.Input(0);
        var b = c.Input(1);
        var shape = Broadcast(a.Shape, b.Shape) ?? throw c.Error($"shapes {a.Shape} and {b.Shape} do not broadcast");
        return One(a.ElementType, shape);
    }

    private static ImmutableArray<TensorType> InferWhere(InferenceContext c)
    {
        var condition = c.Input(0);
        var x = c.Input(1);
        var y = c.Input(2);
        if (condition.ElementType != DataType.Bool)
        {
            throw c.Error($"condition must be bool, got {condition.ElementType.Name()}");
        }
        if (x.ElementType != y.ElementType)
        {
            throw c.Error($"x and y have different element types ({x.ElementType.Name()} and {y.ElementType.Name()})");
        }
        var shape = Broadcast(condition.Shape, x.Shape) is { } s1 ? Broadcast(s1, y.Shape) : null;
        return One(x.ElementType, shape ?? throw c.Error($"shapes {condition.Shape}, {x.Shape} and {y.Shape} do not broadcast"));
    }
}
