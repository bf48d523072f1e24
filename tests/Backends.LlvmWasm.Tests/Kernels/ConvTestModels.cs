using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>Small ONNX models shared by the convolution kernels' tests.</summary>
internal static class ConvTestModels
{
    /// <summary>
    /// activation(Conv3×3(x, pads 1) + b + r) on a 9×10 plane, with seeded inputs: what fuse-residual and
    /// fuse-activation turn into one Conv with a residual input and an activation attribute.
    /// </summary>
    public static (OnnxModelBuilder Model, ImmutableDictionary<string, TensorData> Inputs) ResidualWithActivation(int batch, int channels, int outputs, string activation)
    {
        var model = new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float32, batch, channels, 9, 10)
            .Input("r", DataType.Float32, batch, outputs, 9, 10)
            .Initializer("w", TestTensors.Random([outputs, channels, 3, 3], seed: 2))
            .Initializer("b", TestTensors.Random([outputs], seed: 3))
            .Initializer("lo", TensorData.FromFloats(Shape.Scalar, [-0.5f]))
            .Initializer("hi", TensorData.FromFloats(Shape.Scalar, [0.75f]))
            .Node("Conv", ["x", "w", "b"], ["c"], OnnxAttr.Ints("pads", 1, 1, 1, 1))
            .Node("Add", ["c", "r"], ["s"])
            .Node(activation, activation == "Clip" ? ["s", "lo", "hi"] : ["s"], ["y"])
            .Output("y", DataType.Float32);
        return (model, OpHarness.Inputs(("x", TestTensors.Random([batch, channels, 9, 10], seed: 1)),
                                        ("r", TestTensors.Random([batch, outputs, 9, 10], seed: 4))));
    }
}
