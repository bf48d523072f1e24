using Google.Protobuf;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Onnx.Proto;
using WasmGraph.TestSupport;
using Xunit.Abstractions;

namespace WasmGraph.Models.Tests;

/// <summary>
/// The ResNet18 featurizer (CNTK 2.6, opset 8) with a bounded dynamic batch axis, compiled once with
/// <c>--input-shape Input247=1..8,3,224,224</c>. CNTK exported the batch as a fixed 1; the test gives the copy it
/// compiles a dim_param <c>N</c> on the input and output batch axes (what a batch-agnostic export declares), so that
/// ONNX Runtime runs the same file at each batch.
/// </summary>
public sealed class ResNet18BatchModule : IDisposable
{
    public const int MaxBatch = 8;

    private readonly TempDirectory _directory = TestPaths.NewTempDirectory();

    public ResNet18BatchModule()
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(CliModel.Data, "resnet18", "ResNet18.onnx")));
        foreach (var value in model.Graph.Input.Take(1).Concat(model.Graph.Output))
        {
            value.Type.TensorType.Shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimParam = "N" };
        }
        Model = _directory.File("resnet18-batch.onnx");
        File.WriteAllBytes(Model, model.ToByteArray());
        Input = model.Graph.Input[0].Name;
        Compiled = new CliModel(Model, "resnet18-batch", "--input-shape", $"{Input}=1..{MaxBatch},3,224,224");
    }

    public string Model { get; }

    public string Input { get; }

    public CliModel Compiled { get; }

    public void Dispose()
    {
        Compiled.Dispose();
        _directory.Dispose();
    }
}

public sealed class BatchExtentModelTests(ResNet18BatchModule resnet, ITestOutputHelper log) : IClassFixture<ResNet18BatchModule>
{
    /// <summary>Stated tolerance: max |wasm − ORT| ≤ 1e-3 × max |ORT| (as the static ResNet18 tests).</summary>
    private const double Tolerance = 1e-3;

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(ResNet18BatchModule.MaxBatch)]
    public void OneModuleRunsEveryBatchUpToTheBoundLikeOnnxRuntime(int batch)
    {
        var inputs = new Dictionary<string, TensorData> { [resnet.Input] = TestTensors.Random([batch, 3, 224, 224], seed: 20 + batch) };
        var expected = OnnxRuntimeOracle.Run(File.ReadAllBytes(resnet.Model), inputs);
        var actual = resnet.Compiled.Run(inputs);
        Assert.Equal(batch, actual.Values.Single().Type.Shape[0]);
        log.WriteLine($"ResNet18 batch 1..{ResNet18BatchModule.MaxBatch} compile {resnet.Compiled.CompileSeconds:F1} s");
        Parity.AssertClose(expected, actual, Tolerance, $"ResNet18 featurizer at batch {batch}", log);
    }
}
