using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Frontends.Onnx;
using WasmGraph.TestSupport;

namespace WasmGraph.Backends.LlvmWasm.Tests.Codegen;

/// <summary>
/// A module with a run-time extent has two copies of every kernel that follows it (the backend's
/// ModuleGenerator): the static module's code, which <c>wg_run</c> runs when the extent is the bound, and the ranged
/// code for shorter extents. Both share the arena, so one instance must give ONNX Runtime's answer whichever ran
/// before it: the lengths alternate between the bound and shorter ones. Softmax along the extent and a MatMul
/// contracting over it are wrong if the bound's copy ran at a shorter length (the padding would enter the sums).
/// </summary>
public sealed class ModuleGeneratorExtentTests
{
    private const int Bound = 8;
    private const int Width = 4;

    /// <summary>Stated tolerance: max |wasm − ORT| ≤ 1e-5 × max |ORT| per output.</summary>
    private const double Tolerance = 1e-5;

    /// <summary>x [1, seq] and v [seq, 4] (one dim_param): Softmax over seq, a product contracting over it, an elementwise op along it.</summary>
    private static byte[] Model()
        => new OnnxModelBuilder().Opset(13)
            .SymbolicInput("x", DataType.Float32, "1", "seq")
            .SymbolicInput("v", DataType.Float32, "seq", $"{Width}")
            .Node("Softmax", ["x"], ["p"], OnnxAttr.Int("axis", -1))
            .Node("MatMul", ["p", "v"], ["context"])
            .Node("Relu", ["v"], ["r"])
            .Output("context", DataType.Float32).Output("r", DataType.Float32)
            .ToBytes();

    private static Graph ImportAt(byte[] onnx, long length)
        => new OnnxFrontend().Load(new MemoryStream(onnx), new FrontendOptions
        {
            SourceName = "extent.onnx",
            InputShapes = ImmutableDictionary<string, ImmutableArray<long>>.Empty.Add("x", [1, length]).Add("v", [length, Width]),
        });

    private static Dictionary<string, TensorData> InputsAt(int length)
    {
        var random = new Random(length);
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        return new Dictionary<string, TensorData>
        {
            ["x"] = TensorData.FromFloats(new Shape(1, length), Values(length)),
            ["v"] = TensorData.FromFloats(new Shape(length, Width), Values(length * Width)),
        };
    }

    [Fact]
    public void OneInstanceAlternatingTheBoundAndShorterLengthsMatchesOnnxRuntimeAtEach()
    {
        var onnx = Model();
        var graph = RangedModules.Annotate(length => ImportAt(onnx, length), 1, Bound, "extent.onnx");
        Assert.True(graph.Extent!.Follows("p") && graph.Extent.Follows("r"));
        var artifact = WasmPipeline.Compile(graph);

        RangedModules.AssertEachRunMatchesOnnxRuntime(artifact.Bytes, onnx,
            new[] { Bound, 3, Bound, 1, 5, Bound, Bound - 1 }.Select(length => ($"length {length}", (IReadOnlyDictionary<string, TensorData>)InputsAt(length))),
            Tolerance);
    }
}
