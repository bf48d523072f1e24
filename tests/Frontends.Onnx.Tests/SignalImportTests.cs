namespace WasmGraph.Frontends.Onnx.Tests;

/// <summary>
/// HannWindow, HammingWindow, BlackmanWindow and MelWeightMatrix become constants at import; their values are compared
/// with ONNX Runtime (tolerance 1e-6 × max: both evaluate the same cosines, ours in double precision).
/// </summary>
public class SignalImportTests
{
    private const double Tolerance = 1e-6;

    private static TensorData Int64Scalar(long value) => TensorData.FromInt64s(Shape.Scalar, [value]);

    [Theory]
    [InlineData("HannWindow", 1, 10)]
    [InlineData("HannWindow", 0, 7)]
    [InlineData("HammingWindow", 1, 16)]
    [InlineData("HammingWindow", 0, 5)]
    [InlineData("BlackmanWindow", 1, 12)]
    [InlineData("BlackmanWindow", 0, 9)]
    public void WindowsAreConstantsThatMatchOnnxRuntime(string op, long periodic, long size)
    {
        var model = new OnnxModelBuilder().Opset(17)
            .Input("x", DataType.Float32, 2)
            .Initializer("size", Int64Scalar(size))
            .Node(op, ["size"], ["window"], OnnxAttr.Int("periodic", periodic))
            .Node("Add", ["x", "x"], ["y"])
            .Output("window", DataType.Float32)
            .Output("y", DataType.Float32);

        Assert.True(Import.Load(model).IsConstant("window"));
        OrtParity.AssertMatchesOnnxRuntime(model, OrtParity.Inputs(("x", TestTensors.Random([2]))), Tolerance);
    }

    [Fact]
    public void WindowsHonourOutputDatatype()
    {
        var model = new OnnxModelBuilder().Opset(17)
            .Initializer("size", Int64Scalar(8))
            .Node("HannWindow", ["size"], ["window"], OnnxAttr.Int("output_datatype", (long)DataType.Float64))
            .Output("window", DataType.Float64);

        var graph = Import.Load(model);

        Assert.Equal(DataType.Float64, graph.TypeOf("window").ElementType);
        var expected = Enumerable.Range(0, 8).Select(n => 0.5 - 0.5 * Math.Cos(2 * Math.PI * n / 8)).ToArray();
        Assert.Equal(expected, graph.Constants["window"].AsSpan<double>().ToArray());
    }

    [Fact]
    public void ItRefusesARuntimeWindowSize()
    {
        var model = new OnnxModelBuilder().Opset(17)
            .Input("size", DataType.Int64)
            .NamedNode("w", "HannWindow", ["size"], ["window"])
            .Output("window", DataType.Float32);

        var error = Assert.Throws<UnsupportedOpException>(() => Import.Load(model));

        Assert.Contains("HannWindow", error.Message);
        Assert.Contains("at node w", error.Message);
        Assert.Contains("must be known at compile time", error.Message);
        Assert.Contains("it is the graph input 'size'; freeze it to a value with --bind size=size.npy", error.Message);
    }

    [Theory]
    [InlineData(8, 16, 8192, 0f, 4096f)]
    [InlineData(10, 64, 16000, 20f, 7600f)]
    [InlineData(5, 31, 8000, 100f, 3000f)]
    public void MelWeightMatrixIsAConstantThatMatchesOnnxRuntime(int melBins, int dftLength, int sampleRate, float lower, float upper)
    {
        var model = new OnnxModelBuilder().Opset(17)
            .Input("x", DataType.Float32, 2)
            .Initializer("num_mel_bins", TensorData.FromArray(DataType.Int32, Shape.Scalar, new[] { melBins }.AsSpan()))
            .Initializer("dft_length", TensorData.FromArray(DataType.Int32, Shape.Scalar, new[] { dftLength }.AsSpan()))
            .Initializer("sample_rate", TensorData.FromArray(DataType.Int32, Shape.Scalar, new[] { sampleRate }.AsSpan()))
            .Initializer("lower", TensorData.FromFloats(Shape.Scalar, [lower]))
            .Initializer("upper", TensorData.FromFloats(Shape.Scalar, [upper]))
            .Node("MelWeightMatrix", ["num_mel_bins", "dft_length", "sample_rate", "lower", "upper"], ["matrix"])
            .Node("Add", ["x", "x"], ["y"])
            .Output("matrix", DataType.Float32)
            .Output("y", DataType.Float32);

        var graph = Import.Load(model);

        Assert.Equal([dftLength / 2 + 1, melBins], graph.Dims("matrix"));
        OrtParity.AssertMatchesOnnxRuntime(model, OrtParity.Inputs(("x", TestTensors.Random([2]))), Tolerance);
    }
}
