using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using static WasmGraph.Abstractions.Ops.ShapeMath;

namespace WasmGraph.Abstractions.Ops;

/// <summary>
/// Reductions over a set of axes (ReduceSum, ReduceMean, … with canonical <c>axes</c>: sorted, non-negative, never
/// empty) and ArgMax/ArgMin over one axis. Each reduction is a start value, a combine step and a finish step, which
/// the evaluator and the backend share in meaning.
/// </summary>
public static partial class StandardOps
{
    /// <summary>A reduction as (map each element, combine, finish with the count): the same description drives the evaluator and the kernel.</summary>
    public sealed record ReductionSpec(string Op, double Initial, Func<double, double> Map, Func<double, double, double> Combine, Func<double, long, double> Finish);

    public static readonly ImmutableArray<ReductionSpec> ReductionSpecs =
    [
        new("ReduceSum", 0, x => x, (a, b) => a + b, (s, _) => s),
        new("ReduceMean", 0, x => x, (a, b) => a + b, (s, n) => s / n),
        new("ReduceMax", double.NegativeInfinity, x => x, (a, b) => double.IsNaN(a) || double.IsNaN(b) ? double.NaN : Math.Max(a, b), (s, _) => s),
        new("ReduceMin", double.PositiveInfinity, x => x, (a, b) => double.IsNaN(a) || double.IsNaN(b) ? double.NaN : Math.Min(a, b), (s, _) => s),
        new("ReduceProd", 1, x => x, (a, b) => a * b, (s, _) => s),
        new("ReduceL1", 0, Math.Abs, (a, b) => a + b, (s, _) => s),
        new("ReduceL2", 0, x => x * x, (a, b) => a + b, (s, _) => Math.Sqrt(s)),
        new("ReduceSumSquare", 0, x => x * x, (a, b) => a + b, (s, _) => s),
        new("ReduceLogSum", 0, x => x, (a, b) => a + b, (s, _) => Math.Log(s)),
        new("ReduceLogSumExp", 0, Math.Exp, (a, b) => a + b, (s, _) => Math.Log(s)),
    ];

    public static IEnumerable<OpDefinition> Reduction()
    {
        foreach (var spec in ReductionSpecs)
        {
            yield return new OpDefinition(spec.Op, FusionKind.Reduction, InferReduce, $"{spec.Op[6..]} over the listed axes")
            {
                RequiredAttributes = ["axes", "keepdims"],
                Evaluate = (node, inputs, types) => ConstantMath.One(EvaluateReduce(spec, node, inputs[0]!, types[0])),
            };
        }
        foreach (var op in new[] { "ArgMax", "ArgMin" })
        {
            yield return new OpDefinition(op, FusionKind.Reduction, InferArg, $"int64 index of the {(op == "ArgMax" ? "largest" : "smallest")} element along one axis")
            {
                RequiredAttributes = ["axis", "keepdims", "select_last_index"],
            };
        }
    }

    private static ImmutableArray<TensorType> InferReduce(InferenceContext c)
    {
        var x = c.Input(0);
        var axes = c.Attributes.GetInts("axes");
        if (axes.Length == 0 || axes.Any(a => a < 0 || a >= x.Shape.Rank) || axes.Distinct().Count() != axes.Length)
        {
            throw c.Error($"axes [{string.Join(",", axes)}] must be distinct axes of {x.Shape}");
        }
        return One(x.ElementType, ReducedShape(x.Shape, axes, c.Attributes.GetInt("keepdims") != 0));
    }

    public static Shape ReducedShape(Shape input, IEnumerable<long> axes, bool keepDims)
    {
        var set = axes.ToHashSet();
        var dims = input.Dims.Select((d, i) => (d, i)).Where(p => keepDims || !set.Contains(p.i)).Select(p => set.Contains(p.i) ? 1 : p.d);
        return new Shape(dims.ToArray());
    }

    private static TensorData EvaluateReduce(ReductionSpec spec, Node node, TensorData input, TensorType output)
    {
        var axes = node.Attributes.GetInts("axes").ToHashSet();
        var shape = input.Type.Shape;
        var keptShape = ReducedShape(shape, axes, keepDims: true);
        var values = ConstantMath.Doubles(input);
        var acc = Enumerable.Repeat(spec.Initial, (int)keptShape.ElementCount).ToArray();
        long count = axes.Aggregate(1L, (n, a) => n * shape[(int)a]);
        for (long i = 0; i < values.Length; i++)
        {
            var index = ConstantMath.Unravel(i, shape);
            long target = 0;
            for (int d = 0; d < index.Length; d++) { target = target * keptShape[d] + (axes.Contains(d) ? 0 : index[d]); }
            acc[target] = spec.Combine(acc[target], spec.Map(values[i]));
        }
        return ConstantMath.FromDoubles(output.ElementType, output.Shape, acc.Select(a => spec.Finish(a, count)).ToArray());
    }

    private static ImmutableArray<TensorType> InferArg(InferenceContext c)
    {
        var x = c.Input(0);
        long axis = c.Attributes.GetInt("axis");
        if (axis < 0 || axis >= x.Shape.Rank)
        {
            throw c.Error($"axis {axis} is out of range for {x.Shape}");
        }
        return One(DataType.Int64, ReducedShape(x.Shape, [axis], c.Attributes.GetInt("keepdims") != 0));
    }
}
