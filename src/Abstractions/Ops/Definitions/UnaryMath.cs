using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using static WasmGraph.Abstractions.Ops.ShapeMath;

namespace WasmGraph.Abstractions.Ops;

/// <summary>
/// Unary maths: activations and elementary functions. The scalar semantics here are the evaluators used for constant
/// folding (double precision); the backend implements the same functions in its own IR.
/// </summary>
public static partial class StandardOps
{
    /// <summary>One unary op; <paramref name="U"/> is its uint64 form where the signed one would be wrong (Abs, Sign).</summary>
    private sealed record UnarySpec(string Op, string Summary, Func<double, Attributes, double> F, Func<long, long>? L = null, string[]? Attrs = null, bool BoolOut = false,
                                    Func<ulong, ulong>? U = null, FusedRoles Roles = FusedRoles.None);

    private static readonly UnarySpec[] UnarySpecs =
    [
        new("Abs", "|x|", (x, _) => Math.Abs(x), x => x == long.MinValue ? x : Math.Abs(x), U: x => x, Roles: FusedRoles.UnaryStep),
        new("Neg", "-x", (x, _) => -x, x => unchecked(-x), Roles: FusedRoles.UnaryStep),
        new("Sign", "sign(x)", (x, _) => double.IsNaN(x) ? x : Math.Sign(x), x => Math.Sign(x), U: x => x == 0 ? 0UL : 1UL),
        new("Exp", "e^x", (x, _) => Math.Exp(x), Roles: FusedRoles.UnaryStep),
        new("Log", "ln x", (x, _) => Math.Log(x)),
        new("Sqrt", "√x", (x, _) => Math.Sqrt(x), Roles: FusedRoles.UnaryStep),
        new("Reciprocal", "1/x", (x, _) => 1 / x, Roles: FusedRoles.UnaryStep),
        new("Floor", "⌊x⌋", (x, _) => Math.Floor(x)),
        new("Ceil", "⌈x⌉", (x, _) => Math.Ceiling(x)),
        new("Round", "round half to even", (x, _) => Math.Round(x, MidpointRounding.ToEven)),
        new("Tanh", "tanh x", (x, _) => Math.Tanh(x), Roles: FusedRoles.UnaryStep),
        new("Erf", "error function", (x, _) => ErfReference(x), Roles: FusedRoles.UnaryStep),
        new("Sin", "sin x", (x, _) => Math.Sin(x)),
        new("Cos", "cos x", (x, _) => Math.Cos(x)),
        new("Tan", "tan x", (x, _) => Math.Tan(x)),
        new("Asin", "asin x", (x, _) => Math.Asin(x)),
        new("Acos", "acos x", (x, _) => Math.Acos(x)),
        new("Atan", "atan x", (x, _) => Math.Atan(x)),
        new("Sinh", "sinh x", (x, _) => Math.Sinh(x)),
        new("Cosh", "cosh x", (x, _) => Math.Cosh(x)),
        new("Asinh", "asinh x", (x, _) => Math.Asinh(x)),
        new("Acosh", "acosh x", (x, _) => Math.Acosh(x)),
        new("Atanh", "atanh x", (x, _) => Math.Atanh(x)),
        new("Softplus", "ln(1 + e^x)", (x, _) => Math.Log(1 + Math.Exp(x))),
        new("Softsign", "x / (1 + |x|)", (x, _) => x / (1 + Math.Abs(x))),
        new("Mish", "x·tanh(softplus(x))", (x, _) => x * Math.Tanh(Math.Log(1 + Math.Exp(x)))),
        new("HardSwish", "x·max(0, min(1, x/6 + 1/2))", (x, _) => x * Math.Max(0, Math.Min(1, x / 6 + 0.5))),
        new("LeakyRelu", "x < 0 ? αx : x", (x, a) => x < 0 ? a.GetFloat("alpha") * x : x, Attrs: ["alpha"]),
        new("ThresholdedRelu", "x > α ? x : 0", (x, a) => x > a.GetFloat("alpha") ? x : 0, Attrs: ["alpha"]),
        new("HardSigmoid", "max(0, min(1, αx + β))", (x, a) => Math.Max(0, Math.Min(1, a.GetFloat("alpha") * x + a.GetFloat("beta"))), Attrs: ["alpha", "beta"]),
        new("Elu", "x < 0 ? α(e^x − 1) : x", (x, a) => x < 0 ? a.GetFloat("alpha") * (Math.Exp(x) - 1) : x, Attrs: ["alpha"]),
        new("Celu", "max(0,x) + min(0, α(e^(x/α) − 1))", (x, a) => Math.Max(0, x) + Math.Min(0, a.GetFloat("alpha") * (Math.Exp(x / a.GetFloat("alpha")) - 1)), Attrs: ["alpha"]),
        new("Selu", "γ·(x ≤ 0 ? α(e^x − 1) : x)", (x, a) => a.GetFloat("gamma") * (x <= 0 ? a.GetFloat("alpha") * (Math.Exp(x) - 1) : x), Attrs: ["alpha", "gamma"]),
        new("Shrink", "soft/hard shrinkage", (x, a) => x < -a.GetFloat("lambd") ? x + a.GetFloat("bias") : x > a.GetFloat("lambd") ? x - a.GetFloat("bias") : 0, Attrs: ["bias", "lambd"]),
        new("Gelu", "x·Φ(x) (approximate none or tanh)", (x, a) => GeluReference(x, a.GetString("approximate", "none")), Attrs: ["approximate"]),
        new("Not", "logical not", (x, _) => x == 0 ? 1 : 0, x => x == 0 ? 1 : 0),
        new("IsNaN", "x is NaN", (x, _) => double.IsNaN(x) ? 1 : 0, _ => 0, BoolOut: true),
        new("IsInf", "x is ±∞ (as selected)", (x, a) => (double.IsPositiveInfinity(x) && a.GetInt("detect_positive") != 0) || (double.IsNegativeInfinity(x) && a.GetInt("detect_negative") != 0) ? 1 : 0, _ => 0, ["detect_positive", "detect_negative"], BoolOut: true),
    ];

    public static IEnumerable<OpDefinition> UnaryMath()
    {
        foreach (var spec in UnarySpecs)
        {
            yield return new OpDefinition(spec.Op, FusionKind.Elementwise, spec.BoolOut ? BoolOfInput : SameAsInput, spec.Summary)
            {
                RequiredAttributes = [.. spec.Attrs ?? []],
                FusedRoles = spec.Roles,
                Evaluate = (node, inputs, types) => ConstantMath.One(ConstantMath.Broadcast(
                    [inputs[0]!], types[0], v => spec.F(v[0], node.Attributes), spec.L is null ? null : v => spec.L(v[0]), inputs[0]!.Type.ElementType,
                    spec.U is null ? null : v => spec.U(v[0]))),
            };
        }
    }

    /// <summary>The scalar function of a unary op, for backends that tabulate or test against it.</summary>
    public static Func<double, Attributes, double>? UnaryFunction(string op) => UnarySpecs.FirstOrDefault(s => s.Op == op)?.F;

    private static ImmutableArray<TensorType> BoolOfInput(InferenceContext c) => One(DataType.Bool, c.Input(0).Shape);

    /// <summary>erf to about 1e-15 (Abramowitz–Stegun series/continued-fraction split), since .NET has no Math.Erf.</summary>
    public static double ErfReference(double x)
    {
        if (double.IsNaN(x)) { return x; }
        double ax = Math.Abs(x);
        double result;
        if (ax < 2.5)
        {
            // Maclaurin series: erf x = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1)).
            double term = ax, sum = ax, x2 = ax * ax;
            for (int n = 1; n < 100; n++)
            {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) { break; }
            }
            result = 2 / Math.Sqrt(Math.PI) * sum;
        }
        else
        {
            // Continued fraction for erfc, evaluated bottom-up.
            double f = 0;
            for (int n = 60; n >= 1; n--)
            {
                f = n / 2.0 / (ax + f);
            }
            result = 1 - Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / (ax + f);
        }
        return x < 0 ? -result : result;
    }

    private static double GeluReference(double x, string approximate)
        => approximate == "tanh"
            ? 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)))
            : 0.5 * x * (1 + ErfReference(x / Math.Sqrt(2)));
}
