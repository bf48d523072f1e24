using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// Det: Gaussian elimination (LU) with partial pivoting on a float64 copy of each matrix in scratch; the determinant
/// is the product of the pivots, negated once per row swap. Double precision keeps cancellation in the elimination
/// from showing in the float32 result. A zero pivot means a singular matrix: the product is already 0, and the
/// elimination below it is skipped so that no 0/0 turns it into NaN. O(M³) per matrix with loops whose bounds follow
/// the pivot column at run time.
/// </summary>
internal sealed class DeterminantKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["Det"];

    public string? CheckSupported(Node node, Graph graph)
        => graph.TypeOf(node.Inputs[0]).ElementType == DataType.Float32 ? null : "only float32 Det is lowered";

    public long ScratchBytes(Node node, Graph graph)
    {
        var x = graph.TypeOf(node.Inputs[0]).Shape;
        long m = x[x.Rank - 1];
        return 8 * m * m;
    }

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var x = k.InputType(0).Shape;
        long m = x[x.Rank - 1];
        long batch = k.OutputType(0).Shape.ElementCount;
        if (m == 0)
        {
            e.For(batch, b => e.StoreF32(e.F(1), k.Output(0), b)); // the empty product
            return;
        }
        var a = k.Scratch!.Value;
        var f64 = e.Ctx.F64;
        LValue Double(double value) => Scalars.Constant(e, DataType.Float64, value);
        LValue Load(LValue index) => e.Load(f64, 8, a, index);
        void Store(LValue value, LValue index) => e.Store(f64, 8, value, a, index);
        LValue Abs(LValue value) => e.CallIntrinsic("llvm.fabs", f64, value);

        e.For(batch, b =>
        {
            e.For(m * m, i => Store(e.B.Cast(CastOp.FPExt, e.LoadF32(k.Input(0), e.Add(e.Mul(b, m * m), i)), f64), i));
            var det = e.Fold(0, m, 1, Double(1), (col, product) =>
            {
                var below = e.Add(col, 1);
                var diagonal = e.Add(e.Mul(col, m), col);
                var pivotRow = e.FoldRuntime(below, e.I(m), [Abs(Load(diagonal)), col], (row, best) =>
                {
                    var magnitude = Abs(Load(e.Add(e.Mul(row, m), col)));
                    var larger = e.B.FCmp(RealPredicate.Ogt, magnitude, best[0]);
                    return [e.B.Select(larger, magnitude, best[0]), e.B.Select(larger, row, best[1])];
                })[1];
                e.For(m, j =>
                {
                    var top = e.Add(e.Mul(col, m), j);
                    var other = e.Add(e.Mul(pivotRow, m), j);
                    var (topValue, otherValue) = (Load(top), Load(other));
                    Store(otherValue, top);
                    Store(topValue, other);
                });
                var pivot = Load(diagonal);
                var swapped = e.B.ICmp(IntPredicate.Ne, pivotRow, col);
                var signed = e.B.Select(swapped, e.B.FNeg(product), product);
                e.If(e.B.FCmp(RealPredicate.One, pivot, Double(0)), () => e.ForRuntime(below, e.I(m), row =>
                {
                    var rowBase = e.Mul(row, m);
                    var factor = e.FDiv(Load(e.Add(rowBase, col)), pivot);
                    e.ForRuntime(below, e.I(m), j =>
                    {
                        var at = e.Add(rowBase, j);
                        Store(e.FSub(Load(at), e.FMul(factor, Load(e.Add(e.Mul(col, m), j)))), at);
                    });
                }));
                return e.FMul(signed, pivot);
            });
            e.StoreF32(e.B.Cast(CastOp.FPTrunc, det, e.Ctx.F32), k.Output(0), b);
        });
    }
}
