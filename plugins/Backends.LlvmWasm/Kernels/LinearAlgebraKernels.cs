using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// The shared matrix-product loop: Y[m, :] = init(m) + Σ_k a(m, k) · B[k, :], in i-k-j order so the innermost loop
/// streams a row of B into a row of Y and vectorises. Operand access is described by strides, which covers
/// transposed and broadcast operands without copies.
/// </summary>
internal static class MatrixProduct
{
    public static void Emit(Emitter e, long m, long n, long kDim,
                            LValue a, LValue aBase, long aRowStride, long aColStride,
                            LValue b, LValue bBase, long bRowStride, long bColStride,
                            LValue y, LValue yBase, float alpha,
                            Func<LValue, LValue, LValue>? initial, Func<LValue, LValue>? epilogue)
    {
        e.For(m, i =>
        {
            var yRow = e.Add(yBase, e.Mul(i, n));
            e.For(n, j => e.StoreF32(initial?.Invoke(i, j) ?? e.F(0), y, e.Add(yRow, j)));
            var aRow = e.Add(aBase, e.Mul(i, aRowStride));
            e.For(kDim, kk =>
            {
                var av = e.LoadF32(a, e.Add(aRow, e.Mul(kk, aColStride)));
                if (alpha != 1f)
                {
                    av = e.FMul(av, e.F(alpha));
                }
                var bRow = e.Add(bBase, e.Mul(kk, bRowStride));
                e.For(n, j =>
                {
                    var o = e.Add(yRow, j);
                    var prod = e.FMul(av, e.LoadF32(b, e.Add(bRow, e.Mul(j, bColStride))));
                    e.StoreF32(e.FAdd(e.LoadF32(y, o), prod, e.ReductionMath), y, o);
                });
            });
            if (epilogue is not null)
            {
                e.For(n, j =>
                {
                    var o = e.Add(yRow, j);
                    e.StoreF32(epilogue(e.LoadF32(y, o)), y, o);
                });
            }
        });
    }
}

/// <summary>
/// Gemm: alpha·op(A)·op(B) + beta·C. With a constant B (the usual fully-connected layer) it runs the packed SIMD
/// micro-kernel, with a constant C folded into its bias table; otherwise the strided i-k-j loop.
/// </summary>
internal sealed class GemmKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["Gemm", FusedOps.Gemm];

    public string? CheckSupported(Node node, Graph graph)
        => graph.TypeOf(node.Outputs[0]).ElementType != DataType.Float32 ? "only float32 Gemm is lowered" : Activation.Check(node);

    private static bool Packed(Node node, Graph graph)
        => graph.IsConstant(node.Inputs[1]) && (node.InputOrNull(2) is not { } c || graph.IsConstant(c));

    /// <summary>A constant B is packed at compile time, and with it a constant C.</summary>
    public IReadOnlyList<int> CompileTimeInputs(Node node, Graph graph)
        => !Packed(node, graph) ? [] : node.InputOrNull(2) is null ? [1] : [1, 2];

    /// <summary>The packed micro-kernel's copy of one row tile of A.</summary>
    public long ScratchBytes(Node node, Graph graph)
    {
        if (!Packed(node, graph))
        {
            return 0;
        }
        var a = graph.TypeOf(node.Inputs[0]).Shape;
        return PackedGemm.APanelFloats(node.Attributes.GetInt("transA", 0) != 0 ? a[0] : a[1]) * 4;
    }

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var a = k.InputType(0).Shape;
        var b = k.InputType(1).Shape;
        var y = k.OutputType(0).Shape;
        bool ta = k.Attributes.GetInt("transA", 0) != 0;
        bool tb = k.Attributes.GetInt("transB", 0) != 0;
        float alpha = k.Attributes.GetFloat("alpha", 1f);
        float beta = k.Attributes.GetFloat("beta", 1f);
        long m = y[0], n = y[1], kDim = ta ? a[0] : a[1];

        if (Packed(k.Node, k.Graph))
        {
            var panels = k.EmbedFloats(PackedGemm.Pack(k.ConstantInput(1)!.ToFloatArray(), kDim, n, tb));
            LValue? bias = null;
            bool perRow = false;
            if (k.ConstantInput(2) is { } c && beta != 0f)
            {
                var cs = c.Type.Shape;
                long cCols = cs.Rank == 0 ? 1 : cs[cs.Rank - 1];
                long cRows = cs.Rank == 2 ? cs[0] : 1;
                perRow = cRows > 1;
                bias = k.EmbedFloats(PackedGemm.BiasTable(c.ToFloatArray(), cRows, cCols, n, beta));
            }
            PackedGemm.Emit(k, m, n, kDim, k.Input(0), e.I(0), ta ? 1 : kDim, ta ? m : 1, panels, k.Output(0), e.I(0), alpha, bias, perRow, k.Scratch);
            return;
        }

        Func<LValue, LValue, LValue>? initial = null;
        if (k.HasInput(2) && beta != 0f)
        {
            var cStrides = BinaryKernel.BroadcastStrides(k.InputType(2).Shape, y);
            var cPtr = k.Input(2);
            initial = (i, j) =>
            {
                var v = e.LoadF32(cPtr, e.Add(e.Mul(i, cStrides[0]), e.Mul(j, cStrides[1])));
                return beta == 1f ? v : e.FMul(v, e.F(beta));
            };
        }
        Func<LValue, LValue>? epilogue = k.Attributes.Has(Activation.Attribute) ? v => Activation.Apply(e, k.Attributes, v) : null;
        MatrixProduct.Emit(e, m, n, kDim,
            k.Input(0), e.I(0), ta ? 1 : kDim, ta ? m : 1,
            k.Input(1), e.I(0), tb ? 1 : n, tb ? kDim : 1,
            k.Output(0), e.I(0), alpha, initial, epilogue);
    }
}

/// <summary>MatMul with NumPy semantics: 1-D promotion and broadcasting over batch dimensions.</summary>
internal sealed class MatMulKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["MatMul", FusedOps.MatMul];

    public string? CheckSupported(Node node, Graph graph)
        => graph.TypeOf(node.Outputs[0]).ElementType != DataType.Float32 ? "only float32 MatMul is lowered" : Activation.Check(node);

    /// <summary>A constant matrix B (no batch dimensions that matter) takes the packed micro-kernel.</summary>
    private static bool Packed(Node node, Graph graph)
    {
        var b = graph.TypeOf(node.Inputs[1]).Shape;
        return graph.IsConstant(node.Inputs[1]) && b.Rank >= 2 && b.ElementCount == b[b.Rank - 2] * b[b.Rank - 1];
    }

    public IReadOnlyList<int> CompileTimeInputs(Node node, Graph graph) => Packed(node, graph) ? [1] : [];

    /// <summary>
    /// Under a run-time extent the run-time-B product (attention) stops K at it; a constant B has a static K. M stops
    /// at the extent too where it follows it (a speed matter: the padding rows are never read as data).
    /// </summary>
    public bool FollowsRunTimeExtent(Node node, Graph graph)
        => !Packed(node, graph) && graph.TypeOf(node.Inputs[0]).Shape.Rank >= 2 && graph.TypeOf(node.Inputs[1]).Shape.Rank >= 2
           && (graph.Extent?.AxesOf(node.Inputs[0]).Contains(graph.TypeOf(node.Inputs[0]).Shape.Rank - 1) ?? false)
               == (graph.Extent?.AxesOf(node.Inputs[1]).Contains(graph.TypeOf(node.Inputs[1]).Shape.Rank - 2) ?? false);

    /// <summary>
    /// A run-time B of a batched product is packed per batch into scratch (see <see cref="PackedGemm.PackAtRunTime"/>),
    /// followed by the packed micro-kernel's copy of one row tile of A.
    /// </summary>
    public long ScratchBytes(Node node, Graph graph)
    {
        var b = graph.TypeOf(node.Inputs[1]).Shape;
        if (b.Rank < 2)
        {
            return 0;
        }
        long kDim = b[b.Rank - 2];
        return (Packed(node, graph) ? 0 : RunTimePanelFloats(b)) * 4 + PackedGemm.APanelFloats(kDim) * 4;
    }

    /// <summary>Run-time panels of B, rounded up to 16 floats so that the A tile after them stays 64-byte aligned.</summary>
    private static long RunTimePanelFloats(Shape b) => (PackedGemm.PanelFloats(b[b.Rank - 2], b[b.Rank - 1]) + 15) / 16 * 16;

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var a = k.InputType(0).Shape;
        var b = k.InputType(1).Shape;
        if (Packed(k.Node, k.Graph))
        {
            // Every row of every batch of A times the same matrix: one GEMM with M = all rows.
            long kDimPacked = b[b.Rank - 2], nPacked = b[b.Rank - 1];
            long rows = a.ElementCount / kDimPacked;
            var panels = k.EmbedFloats(PackedGemm.Pack(k.ConstantInput(1)!.ToFloatArray(), kDimPacked, nPacked, transposed: false));
            // Rows of A that hold data under a run-time extent (the sequence of [1, S, 384]): the rest is padding.
            LValue? dataRows = null;
            if (!k.InputExtentAxes(0).Contains(a.Rank - 1) && k.DataPrefix(k.InputType(0), k.InputExtentAxes(0)) is { } prefix)
            {
                dataRows = e.B.Binary(BinaryOp.UDiv, prefix, e.I(kDimPacked));
            }
            PackedGemm.Emit(k, rows, nPacked, kDimPacked, k.Input(0), e.I(0), kDimPacked, 1, panels, k.Output(0), e.I(0), 1f, null, false, k.Scratch,
                            rowsAtRunTime: dataRows);
            return;
        }
        var a2 = a.Rank == 1 ? new Shape(1, a[0]) : a;
        var b2 = b.Rank == 1 ? new Shape(b[0], 1) : b;
        long m = a2[a2.Rank - 2], kDim = a2[a2.Rank - 1], n = b2[b2.Rank - 1];
        var batchA = new Shape(a2.Dims.RemoveRange(a2.Rank - 2, 2));
        var batchB = new Shape(b2.Dims.RemoveRange(b2.Rank - 2, 2));
        var batch = Abstractions.Ops.ShapeMath.Broadcast(batchA, batchB)!;
        var strideA = BinaryKernel.BroadcastStrides(batchA, batch).Select(s => s * m * kDim).ToArray();
        var strideB = BinaryKernel.BroadcastStrides(batchB, batch).Select(s => s * kDim * n).ToArray();
        if (k.Scratch is not null && e.Threads is { } threads && batch.ElementCount >= 2)
        {
            // With threads, whole products (attention heads) go to the workers, each packing B into its own panels:
            // no barrier inside the kernel, where splitting each product's rows needed two per product.
            long panelFloats = RunTimePanelFloats(b2);
            var ownPanels = threads.WorkerScratch((panelFloats + PackedGemm.APanelFloats(kDim)) * 4);
            var ownAPanel = e.B.Gep(e.Ctx.F32, ownPanels, e.I(panelFloats));
            var batchStrides = new long[batch.Rank];
            for (int d = batch.Rank - 1, s = 1; d >= 0; s *= (int)batch[d], d--)
            {
                batchStrides[d] = s;
            }
            e.ParallelFor(0, batch.ElementCount, 1, batchIndex =>
            {
                LValue offsetA = e.I(0), offsetB = e.I(0);
                for (int d = 0; d < batch.Rank; d++)
                {
                    var index = e.B.Binary(BinaryOp.URem, e.B.Binary(BinaryOp.UDiv, batchIndex, e.I(batchStrides[d])), e.I(batch[d]));
                    offsetA = e.Add(offsetA, e.Mul(index, strideA[d]));
                    offsetB = e.Add(offsetB, e.Mul(index, strideB[d]));
                }
                PackedGemm.PackAtRunTime(e, k.Input(1), offsetB, kDim, n, n, 1, ownPanels);
                PackedGemm.Emit(k, m, n, kDim, k.Input(0), offsetA, kDim, 1, ownPanels, k.Output(0), e.Mul(batchIndex, m * n), 1f, null, false, ownAPanel);
            });
            return;
        }
        if (k.Scratch is { } runTimePanels)
        {
            var aPanel = e.B.Gep(e.Ctx.F32, runTimePanels, e.I(RunTimePanelFloats(b2)));
            // Under a run-time extent: M stops at it when A's rows follow it, K when A's columns do (FollowsRunTimeExtent).
            bool rowsFollow = a.Rank >= 2 && k.InputExtentAxes(0).Contains(a.Rank - 2);
            bool kFollows = a.Rank >= 2 && k.InputExtentAxes(0).Contains(a.Rank - 1);
            e.ForEachIndex(batch.Dims, [strideA, strideB], (batchIndex, offsets) =>
            {
                PackedGemm.PackAtRunTime(e, k.Input(1), offsets[1], kDim, n, n, 1, runTimePanels);
                e.WorkerBarrier(); // with threads: every panel packed before any row tile reads it
                PackedGemm.Emit(k, m, n, kDim, k.Input(0), offsets[0], kDim, 1, runTimePanels, k.Output(0), e.Mul(batchIndex, m * n), 1f, null, false, aPanel,
                                rowsAtRunTime: rowsFollow ? k.Extent() : null, kAtRunTime: kFollows ? k.Extent() : null);
                e.WorkerBarrier(); // and every row tile done before the next batch repacks the panels
            });
            return;
        }

        Func<LValue, LValue>? epilogue = k.Attributes.Has(Activation.Attribute) ? v => Activation.Apply(e, k.Attributes, v) : null;
        e.ForEachIndex(batch.Dims, [strideA, strideB], (batchIndex, offsets) =>
            MatrixProduct.Emit(e, m, n, kDim,
                k.Input(0), offsets[0], kDim, 1,
                k.Input(1), offsets[1], n, 1,
                k.Output(0), e.Mul(batchIndex, m * n), 1f, null, epilogue));
    }
}
