using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Frontends.Onnx;
using WasmGraph.TestSupport;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>
/// Convolution (direct and Winograd) and pooling kernels under a run-time batch extent (<c>--input-shape
/// x=1..4,4,9,10</c>) stop at the images that hold data (<c>KernelContext.ForEachImage</c>/<c>ForEachPlane</c>).
/// One instance runs batches in alternation, so an image computed from a previous run's stale data, or one left
/// uncomputed, shows up against ONNX Runtime.
/// </summary>
public sealed class BatchExtentKernelTests
{
    private const int MaxBatch = 4;

    /// <summary>Stated tolerance: max |wasm − ORT| ≤ 1e-4 × max |ORT| per output (Winograd's transforms round differently).</summary>
    private const double Tolerance = 1e-4;

    private static byte[] Model()
        => new OnnxModelBuilder().Opset(13)
            .SymbolicInput("x", DataType.Float32, "N", "4", "9", "10")
            .Initializer("w", TestTensors.Random([8, 4, 3, 3], seed: 2))
            .Initializer("b", TestTensors.Random([8], seed: 3))
            .Node("Conv", ["x", "w", "b"], ["c"], OnnxAttr.Ints("pads", 1, 1, 1, 1))
            .Node("MaxPool", ["c"], ["p"], OnnxAttr.Ints("kernel_shape", 2, 2), OnnxAttr.Ints("strides", 2, 2))
            .Node("GlobalAveragePool", ["p"], ["y"])
            .Output("p", DataType.Float32).Output("y", DataType.Float32)
            .ToBytes();

    private static Graph ImportAt(byte[] onnx, long batch)
        => new OnnxFrontend().Load(new MemoryStream(onnx), new FrontendOptions
        {
            SourceName = "batch.onnx",
            InputShapes = ImmutableDictionary<string, ImmutableArray<long>>.Empty.Add("x", [batch, 4, 9, 10]),
        });

    [Theory]
    [InlineData("direct")]
    [InlineData("winograd2")]
    public void OneInstanceRunningBatchesInAlternationMatchesOnnxRuntimeAtEach(string algorithm)
    {
        var onnx = Model();
        var graph = RangedModules.Annotate(batch => ImportAt(onnx, batch), 1, MaxBatch, "batch.onnx");
        Assert.True(graph.Extent!.AxesOf("c").Contains(0) && graph.Extent.AxesOf("y").Contains(0));
        var artifact = WasmPipeline.Compile(graph, new BackendOptions { ConvAlgorithm = algorithm });

        RangedModules.AssertEachRunMatchesOnnxRuntime(artifact.Bytes, onnx,
            new[] { MaxBatch, 1, 3, MaxBatch, 2, 1 }.Select(batch =>
                ($"{algorithm}, batch {batch}", (IReadOnlyDictionary<string, TensorData>)new Dictionary<string, TensorData> { ["x"] = TestTensors.Random([batch, 4, 9, 10], seed: 10 + batch) })),
            Tolerance);
    }
}
