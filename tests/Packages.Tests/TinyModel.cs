using System.Globalization;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Packages.Tests;

/// <summary>
/// y = Relu(x · W + b) with x [1,4], W [4,3], b [3]: small enough to compile in seconds, with a MatMul, a broadcast
/// Add and an activation, so a wrong number anywhere shows. The expected outputs come from ONNX Runtime.
/// </summary>
public sealed class TinyModel
{
    /// <summary>Max abs difference allowed against ONNX Runtime: float32 sums of four products, with FMA or without.</summary>
    public const float Tolerance = 1e-5f;

    public static readonly float[] Input = [0.5f, -1.25f, 2f, 0.75f];

    public TinyModel()
    {
        float[] weights = [0.2f, -0.4f, 0.6f, 0.1f, 0.3f, -0.5f, -0.7f, 0.8f, 0.05f, 0.9f, -0.2f, 0.4f];
        Onnx = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 4)
            .Initializer("w", TensorData.FromFloats(new Shape(4, 3), weights))
            .Initializer("b", TensorData.FromFloats(new Shape(3), [0.1f, 0.2f, -0.3f]))
            .Node("MatMul", ["x", "w"], ["xw"])
            .Node("Add", ["xw", "b"], ["z"])
            .Node("Relu", ["z"], ["y"])
            .Output("y", DataType.Float32)
            .ToBytes();
        Expected = OnnxRuntimeOracle.Run(Onnx, new Dictionary<string, TensorData> { ["x"] = TensorData.FromFloats(new Shape(1, 4), Input) })["y"]
            .ToFloatArray();
    }

    public byte[] Onnx { get; }

    public float[] Expected { get; }

    /// <summary>The input as command-line arguments.</summary>
    public static string[] InputArguments => Input.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Writes model.onnx into <paramref name="folder"/>.</summary>
    public string SaveOnnx(string folder)
    {
        var path = Path.Combine(folder, "model.onnx");
        File.WriteAllBytes(path, Onnx);
        return path;
    }

    /// <summary>Compiles the model with the repository's own pipeline and writes model.wasm into <paramref name="folder"/>.</summary>
    public string SaveModule(string folder)
    {
        var path = Path.Combine(folder, "model.wasm");
        File.WriteAllBytes(path, WasmPipeline.Compile(WasmPipeline.Import(Onnx)).Bytes);
        return path;
    }

    /// <summary>Checks a line "NAME: v1 v2 …" printed by a test program against ONNX Runtime.</summary>
    public void AssertPrinted(string stdout, string name = "y")
    {
        var line = stdout.Split('\n').Select(l => l.Trim()).SingleOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal));
        Assert.True(line is not null, $"no line '{name}: …' in:\n{stdout}");
        var actual = line![(name.Length + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(Expected.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - Expected[i]) <= Tolerance, $"{name}[{i}] = {actual[i]}, ONNX Runtime says {Expected[i]}");
        }
    }
}
