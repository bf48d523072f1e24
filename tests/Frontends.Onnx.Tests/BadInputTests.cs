namespace WasmGraph.Frontends.Onnx.Tests;

/// <summary>Whatever bytes arrive, Load either returns a graph or throws a ModelException naming the file.</summary>
public class BadInputTests
{
    private static byte[] ValidModel() => new OnnxModelBuilder().Opset(13)
        .Input("x", DataType.Float32, 1, 3, 8, 8)
        .Initializer("w", TestTensors.Random([4, 3, 3, 3], seed: 2))
        .Node("Conv", ["x", "w"], ["c"], OnnxAttr.Ints("pads", 1, 1, 1, 1))
        .Node("Relu", ["c"], ["y"])
        .Output("y", DataType.Float32)
        .ToBytes();

    [Fact]
    public void ItReportsTruncatedFilesAsInvalidModels()
    {
        var bytes = ValidModel();
        foreach (var length in new[] { bytes.Length - 1, bytes.Length / 2, 7 })
        {
            var error = Assert.Throws<ModelException>(() => Import.Load(bytes[..length]));

            Assert.StartsWith($"{Import.File}: ", error.Message);
        }
        Assert.Contains("not a valid ONNX model", Assert.Throws<ModelException>(() => Import.Load(bytes[..(bytes.Length / 2)])).Message);
    }

    [Fact]
    public void ItReportsRandomGarbageAsAModelError()
    {
        for (int seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var bytes = new byte[random.Next(1, 512)];
            random.NextBytes(bytes);

            var error = Record.Exception(() => Import.Load(bytes));

            Assert.True(error is ModelException, $"seed {seed}: {error?.GetType().Name ?? "no exception"}: {error?.Message}");
        }
    }

    [Fact]
    public void ItSurvivesEveryPrefixAndSingleByteCorruptionOfAValidModel()
    {
        var bytes = ValidModel();
        for (int i = 0; i < bytes.Length; i += 3)
        {
            var corrupted = (byte[])bytes.Clone();
            corrupted[i] ^= 0x5A;

            var error = Record.Exception(() => Import.Load(corrupted));

            Assert.True(error is null or ModelException, $"flipping byte {i}: {error?.GetType().Name}: {error?.Message}");
        }
    }

    [Fact]
    public void ItReportsAnEmptyFileAsHavingNoGraph()
    {
        var error = Assert.Throws<ModelException>(() => Import.Load([]));

        Assert.Contains("not a valid ONNX model", error.Message);
    }

    [Fact]
    public void ItNamesAnUnsupportedOpWithItsOpsetAndNode()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2)
            .NamedNode("my_foo", "Foo", ["x"], ["y"])
            .Output("y", DataType.Float32);

        var error = Assert.Throws<UnsupportedOpException>(() => Import.Load(model));

        Assert.Contains("unsupported: Foo (opset 13) at node my_foo", error.Message);
        Assert.Contains(Import.File, error.Message);
    }

    [Fact]
    public void ItNamesAnUnnamedUnsupportedNodeByOpAndIndex()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2)
            .Node("Relu", ["x"], ["r"])
            .Node("Foo", ["r"], ["y"])
            .Output("y", DataType.Float32);

        Assert.Contains("unsupported: Foo (opset 13) at node Foo_1", Assert.Throws<UnsupportedOpException>(() => Import.Load(model)).Message);
    }

    [Fact]
    public void ItRefusesOpsFromOtherDomains()
    {
        var model = new OnnxModelBuilder().Opset(13).Opset("com.microsoft", 1)
            .Input("x", DataType.Float32, 2)
            .DomainNode("com.microsoft", "g", "Gelu", ["x"], ["y"])
            .Output("y", DataType.Float32);

        Assert.Contains("unsupported: com.microsoft.Gelu (opset 1) at node g", Assert.Throws<UnsupportedOpException>(() => Import.Load(model)).Message);
    }

    [Fact]
    public void ItWrapsInferenceErrorsWithTheFileAndNode()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("a", DataType.Float32, 2, 3)
            .Input("b", DataType.Float32, 4)
            .NamedNode("bad_add", "Add", ["a", "b"], ["y"])
            .Output("y", DataType.Float32);

        var error = Assert.Throws<ModelException>(() => Import.Load(model));

        Assert.StartsWith(Import.File, error.Message);
        Assert.Contains("bad_add", error.Message);
        Assert.Contains("do not broadcast", error.Message);
    }

    [Fact]
    public void ItReportsAReadOfAnUndefinedValue()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Node("Relu", ["nowhere"], ["y"])
            .Output("y", DataType.Float32);

        Assert.Contains("'nowhere'", Assert.Throws<ModelException>(() => Import.Load(model)).Message);
    }

    [Fact]
    public void ItReportsAGraphOutputThatIsNeverProduced()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2)
            .Output("ghost", DataType.Float32);

        Assert.Contains("'ghost'", Assert.Throws<ModelException>(() => Import.Load(model)).Message);
    }

    [Fact]
    public void ItReportsAWronglyTypedAttribute()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3)
            .Node("Transpose", ["x"], ["y"], OnnxAttr.Float("perm", 1f))
            .Output("y", DataType.Float32);

        var error = Assert.Throws<ModelException>(() => Import.Load(model));

        Assert.StartsWith(Import.File, error.Message);
        Assert.Contains("'perm'", error.Message);
    }
}
