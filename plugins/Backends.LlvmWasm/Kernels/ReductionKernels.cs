using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// ReduceSum/Mean/Max/Min/Prod/L1/L2/SumSquare/LogSum/LogSumExp: for each kept index, a fold over the reduced axes
/// (map each element, combine, then finish with the count), following <see cref="StandardOps.ReductionSpecs"/>.
/// Sums use reassociation so LLVM may vectorise them. float64 inputs are reduced in float32 (converted on load and
/// back on store): the suite's float64 reductions are well inside float32 range and the rtol 1e-3 tolerance.
/// </summary>
internal sealed class ReduceKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = StandardOps.ReductionSpecs.Select(s => s.Op).ToArray();

    public string? CheckSupported(Node node, Graph graph)
        => graph.TypeOf(node.Inputs[0]).ElementType is DataType.Float32 or DataType.Float64 ? null : "only float32 and float64 reductions are lowered";

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var shape = k.InputType(0).Shape;
        var axes = k.Attributes.GetInts("axes").ToHashSet();
        var strides = shape.Strides();
        var kept = Enumerable.Range(0, shape.Rank).Where(d => !axes.Contains(d)).ToArray();
        var reduced = Enumerable.Range(0, shape.Rank).Where(d => axes.Contains(d)).ToArray();
        long count = reduced.Aggregate(1L, (n, d) => n * shape[d]);
        string op = k.Node.Op;
        var type = k.InputType(0).ElementType;
        var (dims, keptStrides) = BinaryKernel.Coalesce(kept.Select(d => shape[d]).ToArray(), [kept.Select(d => strides[d]).ToArray()]);
        e.ForEachIndex(dims, keptStrides, (outIndex, offsets) =>
        {
            LValue Fold(int level, LValue offset, LValue acc)
            {
                if (level == reduced.Length)
                {
                    return Combine(e, op, acc, Map(e, op, Scalars.Convert(e, Scalars.Load(e, type, k.Input(0), offset), type, DataType.Float32)));
                }
                int d = reduced[level];
                return e.Fold(0, shape[d], 1, acc, (i, a) => Fold(level + 1, e.Add(offset, e.Mul(i, strides[d])), a));
            }
            var initial = op switch
            {
                "ReduceMax" => double.NegativeInfinity,
                "ReduceMin" => double.PositiveInfinity,
                "ReduceProd" => 1.0,
                _ => 0.0,
            };
            var total = Fold(0, offsets[0], e.F(initial));
            Scalars.Store(e, type, Scalars.Convert(e, Finish(e, op, total, count), DataType.Float32, type), k.Output(0), outIndex);
        }, KeptOuterCount(k, dims));
    }

    /// <summary>
    /// Under a run-time extent along a kept axis (the rows of [1, S, 384] reduced over 384): the outer loop stops at the
    /// data. The analysis refuses a reduction along the extent axis itself, so the output's prefix is all there is.
    /// </summary>
    private static LValue? KeptOuterCount(KernelContext k, long[] dims)
        => k.OutputType(0).Shape.ElementCount == dims.Aggregate(1L, (a, b) => a * b) ? k.OuterCount(0, dims) : null;

    private static LValue Map(Emitter e, string op, LValue x) => op switch
    {
        "ReduceL1" => e.CallIntrinsic("llvm.fabs", x.Type, x),
        "ReduceL2" or "ReduceSumSquare" => e.FMul(x, x),
        "ReduceLogSumExp" => e.Exp(x),
        _ => x,
    };

    private static LValue Combine(Emitter e, string op, LValue acc, LValue x) => op switch
    {
        "ReduceMax" => e.CallIntrinsic("llvm.maximum", x.Type, acc, x),
        "ReduceMin" => e.CallIntrinsic("llvm.minimum", x.Type, acc, x),
        "ReduceProd" => e.FMul(acc, x),
        _ => e.FAdd(acc, x, e.ReductionMath),
    };

    private static LValue Finish(Emitter e, string op, LValue total, long count) => op switch
    {
        "ReduceMean" => e.FDiv(total, e.F(count)),
        "ReduceL2" => e.Sqrt(total),
        "ReduceLogSum" or "ReduceLogSumExp" => e.Log(total),
        _ => total,
    };
}

/// <summary>ArgMax/ArgMin: for each position off the axis, a fold carrying the best value and its index.</summary>
internal sealed class ArgReduceKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["ArgMax", "ArgMin"];

    public string? CheckSupported(Node node, Graph graph)
        => graph.TypeOf(node.Inputs[0]).ElementType is DataType.Float32 or DataType.Int32 or DataType.Int64 ? null : "ArgMax/ArgMin need float32, int32 or int64";

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var input = k.InputType(0);
        var shape = input.Shape;
        int axis = (int)k.Attributes.GetInt("axis");
        bool last = k.Attributes.GetInt("select_last_index", 0) != 0;
        bool max = k.Node.Op == "ArgMax";
        long length = shape[axis];
        long inner = shape.Dims.Skip(axis + 1).Aggregate(1L, (a, b) => a * b);
        long outer = shape.Dims.Take(axis).Aggregate(1L, (a, b) => a * b);
        var type = input.ElementType;
        bool isFloat = type == DataType.Float32;
        e.For(outer, o => e.For(inner, i =>
        {
            var start = e.Add(e.Mul(o, length * inner), i);
            var first = Scalars.Load(e, type, k.Input(0), start);
            var best = e.FoldMany(1, length, 1, [first, e.I(0)], (j, carried) =>
            {
                var v = Scalars.Load(e, type, k.Input(0), e.Add(start, e.Mul(j, inner)));
                var better = isFloat
                    ? e.B.FCmp(max ? (last ? RealPredicate.Oge : RealPredicate.Ogt) : (last ? RealPredicate.Ole : RealPredicate.Olt), v, carried[0])
                    : e.B.ICmp(max ? (last ? IntPredicate.Sge : IntPredicate.Sgt) : (last ? IntPredicate.Sle : IntPredicate.Slt), v, carried[0]);
                return [e.B.Select(better, v, carried[0]), e.B.Select(better, j, carried[1])];
            });
            var index = e.B.Cast(CastOp.SExt, best[1], e.Ctx.I64);
            e.Store(e.Ctx.I64, 8, index, k.Output(0), e.Add(e.Mul(o, inner), i));
        }));
    }
}
