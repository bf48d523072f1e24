using WasmGraph.Abstractions.Ir;
using WasmGraph.Host.IO;
using WasmGraph.Onnx.Proto;

namespace WasmGraph.Host.Tests;

/// <summary>
/// A small float CNN with every pattern <c>quantize</c> handles: Conv → BatchNormalization → Relu (the BN folds, the
/// Relu folds into the quantizer), MaxPool (shares its input's scale), a 1×1 Conv added back to the pool's output
/// (a residual Add), GlobalAveragePool, Flatten, a Gemm with transB=1 and a bias, and a MatMul by a constant [5,3]
/// weight, for the per-channel axis of each. Seeded weights; <see cref="WriteCalibration"/> writes .npy samples.
/// </summary>
public static class TinyQuantizable
{
    public static readonly long[] InputShape = [1, 3, 8, 8];

    public static ModelProto Model(long opset = 13)
    {
        var builder = new OnnxModelBuilder().Opset(opset)
            .Input("x", DataType.Float32, InputShape)
            .Initializer("w1", TestTensors.Random([4, 3, 3, 3], seed: 1))
            .Initializer("b1", TestTensors.Random([4], seed: 2))
            .Initializer("gamma", Positive(4, 3)).Initializer("beta", TestTensors.Random([4], seed: 4))
            .Initializer("mean", TestTensors.Random([4], seed: 5)).Initializer("var", Positive(4, 6))
            .Initializer("w2", TestTensors.Random([4, 4, 1, 1], seed: 7))
            .Initializer("b2", TestTensors.Random([4], seed: 8))
            .Initializer("wg", TestTensors.Random([5, 4], seed: 9))
            .Initializer("bg", TestTensors.Random([5], seed: 10))
            .Initializer("wm", TestTensors.Random([5, 3], seed: 11))
            .NamedNode("conv1", "Conv", ["x", "w1", "b1"], ["c1"], OnnxAttr.Ints("pads", 1, 1, 1, 1))
            .NamedNode("bn1", "BatchNormalization", ["c1", "gamma", "beta", "mean", "var"], ["n1"])
            .NamedNode("relu1", "Relu", ["n1"], ["r1"])
            .NamedNode("pool1", "MaxPool", ["r1"], ["p1"], OnnxAttr.Ints("kernel_shape", 2, 2), OnnxAttr.Ints("strides", 2, 2))
            .NamedNode("conv2", "Conv", ["p1", "w2", "b2"], ["c2"])
            .NamedNode("add1", "Add", ["c2", "p1"], ["a1"])
            .NamedNode("gap", "GlobalAveragePool", ["a1"], ["g"])
            .NamedNode("flatten", "Flatten", ["g"], ["f"])
            .NamedNode("gemm", "Gemm", ["f", "wg", "bg"], ["h"], OnnxAttr.Int("transB", 1))
            .NamedNode("matmul", "MatMul", ["h", "wm"], ["y"])
            .Output("y", DataType.Float32, 1, 3);
        if (opset < 9)
        {
            builder.Graph.Node.First(n => n.OpType == "BatchNormalization").Attribute.Add(OnnxAttr.Int("spatial", 1));
        }
        return builder.ToModel();
    }

    public static TensorData Input(int seed) => TestTensors.Random(InputShape, seed);

    /// <summary>Writes <paramref name="count"/> seeded inputs as .npy files into <paramref name="directory"/>.</summary>
    public static string WriteCalibration(string directory, int count = 8)
    {
        Directory.CreateDirectory(directory);
        for (int i = 0; i < count; i++)
        {
            NpyFile.Write(Path.Combine(directory, $"sample{i:D2}.npy"), Input(100 + i));
        }
        return directory;
    }

    private static TensorData Positive(int n, int seed)
        => TensorData.FromFloats(new Shape(n), TestTensors.Random([n], seed).ToFloatArray().Select(v => 0.5f + Math.Abs(v)).ToArray());
}
