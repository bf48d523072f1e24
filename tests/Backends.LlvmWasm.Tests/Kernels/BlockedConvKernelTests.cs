using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Passes.Core;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>
/// ConvBlocked and the layout kernels against ONNX Runtime: each model is a plain ONNX Conv, run through
/// convert-conv-layout (LayoutToBlocked → ConvBlocked → LayoutFromBlocked) before compiling. Tolerance: the default
/// 1e-4 × max |ref| (float32 sums in another order, fused multiply-adds).
/// </summary>
public class BlockedConvKernelTests
{
    private static Graph Blocked(Graph graph)
    {
        var context = new PassContext(OpRegistry.Default);
        foreach (var pass in new IPass[] { new FuseResidualAddPass(), new FuseActivationPass(), new ConvertConvLayoutPass() })
        {
            graph = pass.Run(graph, context);
            GraphVerifier.Verify(graph, OpRegistry.Default, pass.Name);
        }
        Assert.Contains(graph.Nodes, n => n.Op == "ConvBlocked");
        Assert.DoesNotContain(graph.Nodes, n => n.Op is "Conv" or FusedOps.Conv);
        return graph;
    }

    [Theory]
    // batch, in, out, h, w, kernel, stride, dilation, pads(t,l,b,r), bias
    [InlineData(1, 4, 4, 8, 8, 3, 1, 1, new long[] { 1, 1, 1, 1 }, true)]
    [InlineData(2, 8, 12, 9, 7, 3, 2, 1, new long[] { 0, 0, 0, 0 }, false)]      // batch 2, stride 2, odd width
    [InlineData(1, 4, 8, 15, 15, 7, 2, 1, new long[] { 3, 3, 2, 2 }, true)]      // 7×7, asymmetric pads
    [InlineData(1, 8, 20, 10, 11, 3, 1, 2, new long[] { 2, 2, 2, 2 }, true)]     // dilation; 5 blocks = 3 + 2
    [InlineData(1, 16, 4, 5, 5, 1, 1, 1, new long[] { 0, 0, 0, 0 }, true)]      // 1×1, one block (12-pixel tiles)
    [InlineData(1, 8, 16, 9, 9, 1, 2, 1, new long[] { 0, 0, 0, 0 }, false)]     // 1×1 stride 2 (ResNet downsample)
    [InlineData(1, 4, 16, 6, 6, 2, 2, 1, new long[] { 1, 0, 0, 1 }, false)]     // even kernel, asymmetric pads
    [InlineData(1, 8, 8, 7, 7, 3, 1, 1, new long[] { 1, 1, 1, 1 }, true)]       // ResNet's last-stage plane
    [InlineData(1, 4, 12, 6, 40, 3, 1, 1, new long[] { 1, 1, 1, 1 }, true)]     // a long interior run
    [InlineData(1, 4, 12, 6, 31, 3, 2, 1, new long[] { 1, 1, 1, 1 }, true)]     // stride-2 interior run, odd width
    [InlineData(1, 4, 4, 3, 3, 3, 1, 1, new long[] { 3, 3, 3, 3 }, true)]       // rows and columns that read only padding
    [InlineData(2, 64, 12, 6, 9, 3, 1, 1, new long[] { 1, 1, 1, 1 }, true)]     // 4 input-channel slices (first, middle, last)
    [InlineData(1, 512, 8, 3, 3, 1, 1, 1, new long[] { 0, 0, 0, 0 }, true)]     // 1×1 over 2 slices of 256 channels
    public void ItMatchesOnnxRuntime(int n, int c, int m, int h, int w, int k, int stride, int dilation, long[] pads, bool bias)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, n, c, h, w)
            .Initializer("w", TestTensors.Random([m, c, k, k], seed: 2))
            .Node("Conv", bias ? ["x", "w", "b"] : ["x", "w"], ["y"],
                OnnxAttr.Ints("kernel_shape", k, k), OnnxAttr.Ints("strides", stride, stride),
                OnnxAttr.Ints("dilations", dilation, dilation), OnnxAttr.Ints("pads", pads))
            .Output("y", DataType.Float32);
        if (bias)
        {
            model.Initializer("b", TestTensors.Random([m], seed: 3));
        }
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([n, c, h, w], seed: 1))), passes: Blocked);
    }

    [Theory]
    [InlineData("Relu", 1)]
    [InlineData("Clip", 2)]
    // 40 input channels: two slices, so the epilogue runs after partial sums went through the output.
    public void ItAddsTheBlockedResidualAndAppliesTheActivationInTheEpilogue(string activation, int batch)
    {
        var (model, inputs) = ConvTestModels.ResidualWithActivation(batch, 40, 12, activation);
        AssertMatchesOnnxRuntime(model, inputs,
                                 passes: graph =>
                                 {
                                     var blocked = Blocked(graph);
                                     var conv = Assert.Single(blocked.Nodes, node => node.Op == "ConvBlocked");
                                     Assert.Equal(activation, conv.Attributes.GetString(FusedOps.Activation, ""));
                                     Assert.Equal(4, conv.Inputs.Length);
                                     return blocked;
                                 });
    }
}
