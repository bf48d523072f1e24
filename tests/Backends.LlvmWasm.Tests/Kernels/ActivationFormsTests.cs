using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Passes.Core;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>
/// Relu, Sigmoid and Clip give the same bits in every form the backend lowers them in: alone (the unary kernel), as a
/// step of a FusedElementwise chain (after a Neg, after an Add), and as the fused activation of a producer's vectorised
/// store (packed Gemm, Conv, blocked Conv). Each graph runs once unfused, the activation then in its own kernel, and once with
/// the fusion pass, on the same edge values; since all forms take their maths from the one elementwise table, any
/// difference would mean a form went around it.
/// </summary>
public sealed class ActivationFormsTests
{
    private const int Width = 13; // three whole vectors of four and a scalar tail

    private static OnnxModelBuilder WithActivation(OnnxModelBuilder model, string activation, string input)
        => activation == "Clip"
            ? model.Initializer("lo", TensorData.FromFloats(Shape.Scalar, [-2.5f])).Initializer("hi", TensorData.FromFloats(Shape.Scalar, [3f]))
                   .Node("Clip", [input, "lo", "hi"], ["y"])
            : model.Node(activation, [input], ["y"]);

    private static OnnxModelBuilder Model() => new OnnxModelBuilder().Opset(13);

    /// <summary>Edge values, cycled to fill <paramref name="count"/> elements.</summary>
    private static float[] Values(long count) => Enumerable.Range(0, (int)count).Select(i => ElementwiseLoweringTests.EdgeValues[i % ElementwiseLoweringTests.EdgeValues.Length]).ToArray();

    private static Func<Graph, Graph> Passes(params IPass[] passes) => graph =>
    {
        var context = new PassContext(OpRegistry.Default);
        foreach (var pass in passes)
        {
            graph = pass.Run(graph, context);
            GraphVerifier.Verify(graph, OpRegistry.Default, pass.Name);
        }
        return graph;
    };

    private static void AssertSameBits(byte[] onnx, IReadOnlyDictionary<string, TensorData> inputs, Func<Graph, Graph> unfused, Func<Graph, Graph> fused, Func<Graph, bool> isFused)
    {
        var graph = WasmPipeline.Import(onnx);
        Assert.True(isFused(fused(graph)), "the fusion did not happen");
        Assert.False(isFused(unfused(graph)), "the unfused form fused");
        var expected = WasmPipeline.CompileAndRun(unfused(graph), inputs)["y"].ToFloatArray();
        var actual = WasmPipeline.CompileAndRun(fused(graph), inputs)["y"].ToFloatArray();
        Assert.Equal(expected.Length, actual.Length);
        var differences = Enumerable.Range(0, expected.Length).Where(i => !ElementwiseLoweringTests.SameBits(expected[i], actual[i]))
                                    .Select(i => $"[{i}]: unfused {expected[i]:R}, fused {actual[i]:R}").ToList();
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    private static bool HasActivation(Graph graph) => graph.Nodes.Any(n => n.Attributes.Has(FusedOps.Activation));

    [Theory]
    [InlineData("Relu")]
    [InlineData("Sigmoid")]
    public void AStepOfAFusedChainGivesTheUnaryKernelsBits(string activation)
    {
        var model = WithActivation(Model().Input("x", DataType.Float32, 2, Width).Node("Neg", ["x"], ["negated"]), activation, "negated")
            .Output("y", DataType.Float32);
        AssertSameBits(model.ToBytes(), Inputs(("x", TensorData.FromFloats(new Shape(2, Width), Values(2 * Width)))),
                       Passes(), Passes(new FuseElementwisePass()), g => g.Nodes.Any(n => n.Op == "FusedElementwise"));
    }

    /// <summary>An activation after an Add is not a store epilogue: fuse-elementwise makes the pair one chain.</summary>
    [Theory]
    [InlineData("Relu")]
    [InlineData("Sigmoid")]
    public void AnAddAndItsActivationInOneChainGiveTheUnaryKernelsBits(string activation)
    {
        var model = WithActivation(Model().Input("x", DataType.Float32, 2, Width).Input("z", DataType.Float32, 2, Width).Node("Add", ["x", "z"], ["sum"]), activation, "sum")
            .Output("y", DataType.Float32);
        var inputs = Inputs(("x", TensorData.FromFloats(new Shape(2, Width), Values(2 * Width))), ("z", TensorData.FromFloats(new Shape(2, Width), new float[2 * Width])));
        AssertSameBits(model.ToBytes(), inputs, Passes(), Passes(new FuseElementwisePass()), g => g.Nodes.Any(n => n.Op == "FusedElementwise"));
    }

    [Theory]
    [InlineData("Relu")]
    [InlineData("Sigmoid")]
    [InlineData("Clip")]
    public void TheVectorEpilogueOfThePackedGemmGivesTheUnaryKernelsBits(string activation)
    {
        // x·[[1, 1, …]]: every column is x, so the ragged last vector of columns is exercised too.
        var model = WithActivation(Model().Input("x", DataType.Float32, 2 * Width, 1)
                .Initializer("w", TensorData.FromFloats(new Shape(1, 6), Enumerable.Repeat(1f, 6).ToArray()))
                .Node("Gemm", ["x", "w"], ["product"]), activation, "product")
            .Output("y", DataType.Float32);
        AssertSameBits(model.ToBytes(), Inputs(("x", TensorData.FromFloats(new Shape(2 * Width, 1), Values(2 * Width)))),
                       Passes(), Passes(new FuseActivationPass()), HasActivation);
    }

    [Theory]
    [InlineData("Relu", false)]
    [InlineData("Sigmoid", false)]
    [InlineData("Clip", false)]
    [InlineData("Relu", true)]
    [InlineData("Sigmoid", true)]
    [InlineData("Clip", true)]
    public void TheEpilogueOfConvGivesTheUnaryKernelsBits(string activation, bool blocked)
    {
        // A 1×1 convolution that copies channel 0 (the edge values; the other channels are 0) to all four outputs.
        var weights = new float[4 * 4];
        for (int m = 0; m < 4; m++)
        {
            weights[m * 4] = 1f;
        }
        var x = new float[4 * 2 * Width];
        Values(2 * Width).CopyTo(x, 0);
        var model = WithActivation(Model().Input("x", DataType.Float32, 1, 4, 2, Width)
                .Initializer("w", TensorData.FromFloats(new Shape(4, 4, 1, 1), weights))
                .Node("Conv", ["x", "w"], ["conv"], OnnxAttr.Ints("kernel_shape", 1, 1)), activation, "conv")
            .Output("y", DataType.Float32);
        IPass[] layout = blocked ? [new ConvertConvLayoutPass()] : [];
        AssertSameBits(model.ToBytes(), Inputs(("x", TensorData.FromFloats(new Shape(1, 4, 2, Width), x))),
                       Passes(layout), Passes([new FuseActivationPass(), .. layout]),
                       g => HasActivation(g) && g.Nodes.Any(n => n.Op == (blocked ? "ConvBlocked" : "FusedConv")));
    }
}
