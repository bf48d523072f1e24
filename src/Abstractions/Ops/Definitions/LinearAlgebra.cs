using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using static WasmGraph.Abstractions.Ops.ShapeMath;

namespace WasmGraph.Abstractions.Ops;

public static partial class StandardOps
{
    public static IEnumerable<OpDefinition> LinearAlgebra()
    {
        yield return new OpDefinition("Gemm", FusionKind.OutElementwiseFusable, InferGemm, "alpha·op(A)·op(B) + beta·C")
        {
            RequiredAttributes = ["alpha", "beta", "transA", "transB"],
            FusedForm = FusedOps.Gemm,
        };
        yield return new OpDefinition("MatMul", FusionKind.OutElementwiseFusable, InferMatMul, "NumPy matmul with batch broadcasting")
        {
            FusedForm = FusedOps.MatMul,
        };
        yield return new OpDefinition("Det", FusionKind.Opaque, InferDet, "determinant of each square matrix in the last two axes");
    }

    /// <summary>[*, M, M] → [*].</summary>
    private static ImmutableArray<TensorType> InferDet(InferenceContext c)
    {
        var x = c.Input(0);
        if (x.Shape.Rank < 2 || x.Shape[x.Shape.Rank - 1] != x.Shape[x.Shape.Rank - 2])
        {
            throw c.Error($"input must be [*, M, M], got {x.Shape}");
        }
        return One(x.ElementType, new Shape(x.Shape.Dims.RemoveRange(x.Shape.Rank - 2, 2)));
    }

    private static ImmutableArray<TensorType> InferGemm(InferenceContext c)
    {
        var a = c.Input(0);
        var b = c.Input(1);
        if (a.Shape.Rank != 2 || b.Shape.Rank != 2)
        {
            throw c.Error($"A and B must be matrices, got {a.Shape} and {b.Shape}");
        }
        bool ta = c.Attributes.GetInt("transA") != 0;
        bool tb = c.Attributes.GetInt("transB") != 0;
        long m = ta ? a.Shape[1] : a.Shape[0];
        long ka = ta ? a.Shape[0] : a.Shape[1];
        long kb = tb ? b.Shape[1] : b.Shape[0];
        long n = tb ? b.Shape[0] : b.Shape[1];
        if (ka != kb)
        {
            throw c.Error($"inner dimensions differ: {ka} and {kb}");
        }
        var result = new Shape(m, n);
        if (c.HasInput(2) && Broadcast(c.Input(2).Shape, result) != result)
        {
            throw c.Error($"C of shape {c.Input(2).Shape} does not broadcast to {result}");
        }
        return One(a.ElementType, result);
    }

    private static ImmutableArray<TensorType> InferMatMul(InferenceContext c)
    {
        var a = c.Input(0).Shape;
        var b = c.Input(1).Shape;
        if (a.Rank == 0 || b.Rank == 0)
        {
            throw c.Error("operands must have rank ≥ 1");
        }
        var a2 = a.Rank == 1 ? new Shape(1, a[0]) : a;
        var b2 = b.Rank == 1 ? new Shape(b[0], 1) : b;
        if (a2[a2.Rank - 1] != b2[b2.Rank - 2])
        {
            throw c.Error($"inner dimensions differ: {a} and {b}");
        }
        var batchA = new Shape(a2.Dims.RemoveRange(a2.Rank - 2, 2));
        var batchB = new Shape(b2.Dims.RemoveRange(b2.Rank - 2, 2));
        var batch = Broadcast(batchA, batchB) ?? throw c.Error($"batch dimensions of {a} and {b} do not broadcast");
        var dims = batch.Dims.ToList();
        if (a.Rank > 1) { dims.Add(a2[a2.Rank - 2]); }
        if (b.Rank > 1) { dims.Add(b2[b2.Rank - 1]); }
        return One(c.Input(0).ElementType, new Shape(dims.ToArray()));
    }
}
