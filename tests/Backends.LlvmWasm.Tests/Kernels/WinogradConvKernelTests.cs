using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Backends.LlvmWasm.Kernels;
using WasmGraph.Passes.Core;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>
/// The Winograd kernels against ONNX Runtime, each variant forced through <c>Pipeline:Backend:ConvAlgorithm</c>.
/// Tolerances relative to max |ref|, about 10× the largest error measured on these shapes (direct kernel: 1e-7 to
/// 1e-6; F(2,3): 1e-7 to 5e-7; F(4,3): 1.2e-6 to 6.1e-6; F(6,3): 2.9e-6 to 7.8e-6; docs/performance.md).
/// </summary>
public class WinogradConvKernelTests
{
    public static TheoryData<string> Variants => new() { "winograd2", "winograd4", "winograd6" };

    private static double Tolerance(string algorithm) => algorithm switch
    {
        "winograd2" => 1e-5,
        _ => 1e-4,
    };

    private static BackendOptions Forced(string algorithm, bool deterministic = false) => new() { ConvAlgorithm = algorithm, Deterministic = deterministic };

    private static OnnxModelBuilder Conv(int n, int c, int m, int h, int w, long[] pads, bool bias)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, n, c, h, w)
            .Initializer("w", TestTensors.Random([m, c, 3, 3], seed: 2))
            .Node("Conv", bias ? ["x", "w", "b"] : ["x", "w"], ["y"], OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", pads))
            .Output("y", DataType.Float32);
        if (bias)
        {
            model.Initializer("b", TestTensors.Random([m], seed: 3));
        }
        return model;
    }

    [Theory]
    // batch, in, out, h, w, pads(t,l,b,r), bias
    [InlineData(1, 3, 4, 8, 8, new long[] { 1, 1, 1, 1 }, true)]        // 3 input channels (the stem's count)
    [InlineData(1, 5, 6, 7, 7, new long[] { 1, 1, 1, 1 }, true)]        // ResNet's last-stage plane, odd channel counts
    [InlineData(2, 4, 9, 11, 13, new long[] { 0, 0, 0, 0 }, false)]     // batch 2, pad 0, widths no tile divides
    [InlineData(1, 16, 8, 9, 17, new long[] { 1, 0, 2, 1 }, true)]      // asymmetric pads
    [InlineData(1, 64, 12, 14, 14, new long[] { 1, 1, 1, 1 }, true)]    // many channels, several register tiles
    [InlineData(1, 8, 8, 30, 30, new long[] { 1, 1, 1, 1 }, false)]     // several blocks of tiles
    public void ItMatchesOnnxRuntime(int n, int c, int m, int h, int w, long[] pads, bool bias)
    {
        foreach (var algorithm in new[] { "winograd2", "winograd4", "winograd6" })
        {
            AssertMatchesOnnxRuntime(Conv(n, c, m, h, w, pads, bias), Inputs(("x", TestTensors.Random([n, c, h, w], seed: 1))),
                                     Tolerance(algorithm), options: Forced(algorithm));
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void ItMatchesOnnxRuntimeWithPlainMulAddUnderDeterministic(string algorithm)
        => AssertMatchesOnnxRuntime(Conv(1, 6, 5, 10, 9, [1, 1, 1, 1], true), Inputs(("x", TestTensors.Random([1, 6, 10, 9], seed: 1))),
                                    Tolerance(algorithm), options: Forced(algorithm, deterministic: true));

    [Theory]
    [InlineData("winograd2", "Relu")]
    [InlineData("winograd4", "Relu")]
    [InlineData("winograd4", "Clip")]
    [InlineData("winograd6", "Relu")]
    public void ItAddsTheResidualAndAppliesTheActivationInTheOutputTransform(string algorithm, string activation)
    {
        var (model, inputs) = ConvTestModels.ResidualWithActivation(2, 7, 6, activation);
        AssertMatchesOnnxRuntime(model, inputs,
                                 Tolerance(algorithm), passes: graph =>
                                 {
                                     var context = new PassContext(OpRegistry.Default);
                                     graph = new FuseActivationPass().Run(new FuseResidualAddPass().Run(graph, context), context);
                                     var conv = Assert.Single(graph.Nodes);
                                     Assert.Equal(activation, conv.Attributes.GetString(Activation.Attribute, ""));
                                     Assert.Equal(FusedOps.Conv, conv.Op);
                                     Assert.Equal(FusedOps.ResidualInput + 1, conv.Inputs.Length);
                                     return graph;
                                 }, options: Forced(algorithm));
    }

    [Fact]
    public void AForcedWinogradLeavesConvsItDoesNotFitToTheDirectKernel()
    {
        // 1×1 spatial output (smaller than any tile), stride 2 and a 1×1 kernel: all stay direct and stay correct.
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 3, 3, 3)
            .Initializer("w1", TestTensors.Random([4, 3, 3, 3], seed: 2))
            .Initializer("w2", TestTensors.Random([4, 3, 3, 3], seed: 3))
            .Initializer("w3", TestTensors.Random([5, 4, 1, 1], seed: 4))
            .Node("Conv", ["x", "w1"], ["a"], OnnxAttr.Ints("pads", 0, 0, 0, 0))
            .Node("Conv", ["x", "w2"], ["b0"], OnnxAttr.Ints("pads", 1, 1, 1, 1), OnnxAttr.Ints("strides", 2, 2))
            .Node("Conv", ["b0", "w3"], ["b"])
            .Output("a", DataType.Float32)
            .Output("b", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([1, 3, 3, 3], seed: 1))), options: Forced("winograd4"));
    }

    [Fact]
    public void AForcedWinogradChangesTheModuleWhereItFits()
    {
        var graph = WasmPipeline.Import(Conv(1, 4, 4, 8, 8, [1, 1, 1, 1], true).ToBytes());
        var direct = Code(WasmPipeline.Compile(graph, Forced("direct")));
        Assert.Equal(direct, Code(WasmPipeline.Compile(graph, Forced("auto"))));
        foreach (var algorithm in new[] { "winograd2", "winograd4", "winograd6" })
        {
            Assert.NotEqual(direct, Code(WasmPipeline.Compile(graph, Forced(algorithm))));
        }
    }

    /// <summary>The module without its metadata section (appended last), which records what chose each conv's algorithm.</summary>
    private static byte[] Code(Artifact artifact)
    {
        var metadata = WasmCustomSection.Append([], ModuleAbi.MetadataSection, System.Text.Encoding.UTF8.GetBytes(artifact.Metadata.ToJson()));
        Assert.Equal(metadata, artifact.Bytes[^metadata.Length..]);
        return artifact.Bytes[..^metadata.Length];
    }

    [Fact]
    public void TheWeightsTransformedOnTheFirstRunServeTheNextRuns()
    {
        var model = Conv(1, 5, 6, 9, 9, [1, 1, 1, 1], true).ToBytes();
        var artifact = WasmPipeline.Compile(WasmPipeline.Import(model), Forced("winograd4"));
        using var session = new WasmGraph.Runtimes.Wasmtime.WasmtimeRuntime().Load(artifact.Bytes, new RuntimeOptions());
        foreach (var seed in new[] { 1, 2, 3 })
        {
            var inputs = Inputs(("x", TestTensors.Random([1, 5, 9, 9], seed)));
            TensorAssert.Close(OnnxRuntimeOracle.Run(model, inputs)["y"], session.Run(inputs)["y"], Tolerance("winograd4"), $"run with seed {seed}");
        }
    }
}
