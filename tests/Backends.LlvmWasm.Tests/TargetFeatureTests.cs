using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Passes.Core;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests;

/// <summary>
/// Every feature set the backend accepts compiles and computes what ONNX Runtime computes (issue 17, item 4): before,
/// any set without relaxed-simd aborted the process in LLVM ("Cannot select: intrinsic %llvm.wasm.relaxed.madd"), and
/// one without bulk-memory failed to link (memcpy, memset undefined). The models go through the kernels that use the
/// relaxed multiply-add (dense, depthwise and blocked convolution, the packed GEMM), min/max (vector
/// llvm.maximum/minimum, MaxPool, ReduceMax) and whole-tensor copies (Transpose, Concat: llvm.memcpy).
/// </summary>
public class TargetFeatureTests
{
    public static readonly TheoryData<string, bool> FeatureSets = new()
    {
        { new BackendOptions().Features, false },
        { new BackendOptions().Features, true },
        { "+simd128", false },
        { "+simd128,+relaxed-simd", false },
        { "+relaxed-simd", false },
        { "", false },
        { "-simd128", false },
        { "-simd128,-bulk-memory,-nontrapping-fptoint,-sign-ext", false },
        { "+simd128,+relaxed-simd,-bulk-memory,+atomics,+tail-call,+reference-types,+multivalue,+extended-const", false },
    };

    [Theory]
    [MemberData(nameof(FeatureSets))]
    public void ConvolutionsGemmAndMinMaxMatchOnnxRuntimeForEveryAcceptedFeatureSet(string features, bool deterministic)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 8, 10, 10)
            .Initializer("w1", TestTensors.Random([16, 8, 3, 3], seed: 2))
            .Initializer("b1", TestTensors.Random([16], seed: 3))
            .Initializer("w2", TestTensors.Random([16, 1, 3, 3], seed: 4))
            .Initializer("wg", TestTensors.Random([400, 12], seed: 5))
            .Node("Conv", ["x", "w1", "b1"], ["dense"], OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1))
            .Node("Conv", ["dense", "w2"], ["depthwise"], OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1),
                  OnnxAttr.Int("group", 16))
            .Node("Max", ["dense", "depthwise"], ["max"])
            .Node("Min", ["dense", "depthwise"], ["min"])
            .Node("MaxPool", ["max"], ["pooled"], OnnxAttr.Ints("kernel_shape", 2, 2), OnnxAttr.Ints("strides", 2, 2))
            .Node("Flatten", ["pooled"], ["flat"])
            .Node("MatMul", ["flat", "wg"], ["y"])
            .Node("ReduceMax", ["min"], ["peak"], OnnxAttr.Ints("axes", 2, 3))
            .Node("Transpose", ["pooled"], ["nhwc"], OnnxAttr.Ints("perm", 0, 2, 3, 1))
            .Node("Concat", ["pooled", "pooled"], ["both"], OnnxAttr.Int("axis", 1))
            .Output("y", DataType.Float32)
            .Output("peak", DataType.Float32)
            .Output("nhwc", DataType.Float32)
            .Output("both", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([1, 8, 10, 10], seed: 1))),
                                 options: new BackendOptions { Features = features, Deterministic = deterministic });
    }

    [Theory]
    [MemberData(nameof(FeatureSets))]
    public void TheBlockedConvolutionMatchesOnnxRuntimeForEveryAcceptedFeatureSet(string features, bool deterministic)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 8, 9, 9)
            .Initializer("w", TestTensors.Random([16, 8, 3, 3], seed: 2))
            .Initializer("b", TestTensors.Random([16], seed: 3))
            .Node("Conv", ["x", "w", "b"], ["y"], OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([1, 8, 9, 9], seed: 1))), passes: Blocked,
                                 options: new BackendOptions { Features = features, Deterministic = deterministic });
    }

    [Fact]
    public void ABadFeatureStringIsAUserErrorFromCompileToo()
    {
        var graph = WasmPipeline.Import(new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 4).Node("Relu", ["x"], ["y"]).Output("y", DataType.Float32).ToBytes());
        var error = Assert.Throws<WasmGraphException>(() => WasmPipeline.Compile(graph, new BackendOptions { Features = "+relaxed-simd,-simd128" }));
        Assert.Contains(WasmFeatures.Setting, error.Message);
    }

    private static Graph Blocked(Graph graph)
    {
        var blocked = new ConvertConvLayoutPass().Run(graph, new PassContext(OpRegistry.Default));
        Assert.Contains(blocked.Nodes, n => n.Op == "ConvBlocked");
        return blocked;
    }
}
