using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

public class LinearAlgebraKernelTests
{
    [Theory]
    [InlineData(0, 0, 1f, 1f, new long[] { 6 })]
    [InlineData(0, 1, 1f, 1f, new long[] { 4, 6 })]
    [InlineData(1, 0, 0.5f, 2f, new long[] { 4, 1 })]
    [InlineData(1, 1, 1f, 0f, new long[] { 1 })]
    public void ItMatchesOnnxRuntimeForGemm(int transA, int transB, float alpha, float beta, long[] cShape)
    {
        long m = 4, k = 5, n = 6;
        var model = new OnnxModelBuilder().Opset(13)
            .Input("a", DataType.Float32, transA == 1 ? [k, m] : [m, k])
            .Initializer("b", TestTensors.Random(transB == 1 ? [n, k] : [k, n], seed: 2))
            .Initializer("c", TestTensors.Random(cShape, seed: 3))
            .Node("Gemm", ["a", "b", "c"], ["y"], OnnxAttr.Int("transA", transA), OnnxAttr.Int("transB", transB),
                  OnnxAttr.Float("alpha", alpha), OnnxAttr.Float("beta", beta))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("a", TestTensors.Random(transA == 1 ? [k, m] : [m, k], seed: 1))));
    }

    [Fact]
    public void ItMatchesOnnxRuntimeForGemmWithRuntimeTransposedB()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("a", DataType.Float32, 3, 5)
            .Input("b", DataType.Float32, 7, 5)
            .Node("Gemm", ["a", "b"], ["y"], OnnxAttr.Int("transB", 1))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("a", TestTensors.Random([3, 5], seed: 1)), ("b", TestTensors.Random([7, 5], seed: 2))));
    }

    [Theory]
    [InlineData(new long[] { 3, 4 }, new long[] { 4, 5 })]
    [InlineData(new long[] { 2, 3, 4 }, new long[] { 4, 5 })]
    [InlineData(new long[] { 2, 1, 3, 4 }, new long[] { 3, 4, 6 })]
    [InlineData(new long[] { 4 }, new long[] { 2, 4, 3 })]
    [InlineData(new long[] { 2, 3, 4 }, new long[] { 4 })]
    public void ItMatchesOnnxRuntimeForMatMul(long[] a, long[] b)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("a", DataType.Float32, a)
            .Input("b", DataType.Float32, b)
            .Node("MatMul", ["a", "b"], ["y"])
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("a", TestTensors.Random(a, seed: 1)), ("b", TestTensors.Random(b, seed: 2))));
    }

    [Theory]
    [InlineData(new long[] { 2, 3, 5 }, new long[] { 5, 11 })]   // 6 rows: a 4-row tile and a 2-row rest; 11 columns: a ragged panel
    [InlineData(new long[] { 9, 16 }, new long[] { 16, 8 })]
    [InlineData(new long[] { 5 }, new long[] { 5, 3 })]
    [InlineData(new long[] { 1, 128, 24 }, new long[] { 1, 24, 40 })]
    public void ItMatchesOnnxRuntimeForMatMulWithConstantWeights(long[] a, long[] b)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("a", DataType.Float32, a)
            .Initializer("b", TestTensors.Random(b, seed: 2))
            .Node("MatMul", ["a", "b"], ["y"])
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("a", TestTensors.Random(a, seed: 1))));
    }

    [Theory]
    [InlineData(7, 13, 0, new long[] { 13 })]
    [InlineData(7, 13, 1, new long[] { 7, 1 })]
    [InlineData(3, 9, 1, new long[] { 3, 9 })]
    public void ItMatchesOnnxRuntimeForPackedGemmEdges(int m, int n, int transB, long[] cShape)
    {
        long k = 6;
        var model = new OnnxModelBuilder().Opset(13)
            .Input("a", DataType.Float32, m, k)
            .Initializer("b", TestTensors.Random(transB == 1 ? [n, k] : [k, n], seed: 2))
            .Initializer("c", TestTensors.Random(cShape, seed: 3))
            .Node("Gemm", ["a", "b", "c"], ["y"], OnnxAttr.Int("transB", transB), OnnxAttr.Float("alpha", 0.75f), OnnxAttr.Float("beta", 1.5f))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("a", TestTensors.Random([m, k], seed: 1))));
    }
}
