using System.Diagnostics;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Frontends.Onnx;
using WasmGraph.Onnx;

namespace WasmGraph.TestSupport.Fuzzing;

/// <summary>What the frontend did with one fuzzed input.</summary>
public enum FuzzOutcome
{
    /// <summary>It returned a verified graph.</summary>
    Loaded,

    /// <summary>It threw a <see cref="WasmGraphException"/> whose message names the file: the CLI exits 2 with it.</summary>
    Rejected,

    /// <summary>It threw a <see cref="WasmGraphException"/> that does not name the file: a user error, but an unclear one.</summary>
    RejectedUnclearly,

    /// <summary>Anything else escaped: a bug (the CLI would report an internal error, exit 1).</summary>
    Crashed,
}

/// <summary>One fuzz case: its kind, the outcome, the exception (for a failure report) and how long Load took.</summary>
public sealed record FuzzResult(string Kind, FuzzOutcome Outcome, Exception? Error, double Milliseconds);

/// <summary>
/// Feeds mutated and generated models to <see cref="OnnxFrontend.Load"/> and classifies what happens. Shared by the
/// CI fuzz test (1,000 cases) and <c>bench/Fuzz</c> (≥ 10,000), so both measure the same thing. Every case is
/// reproducible from its kind, seed model and integer seed.
/// </summary>
public static class FrontendFuzzer
{
    public const string File = "fuzzed.onnx";

    /// <summary>The mutation kinds, in the order reports list them.</summary>
    public static readonly string[] Kinds =
        ["bit-flip", "byte-overwrite", "truncation", "chunk-splice", "length-lie", "field-mutation", "huge-declaration", "generated"];

    /// <summary>Applies mutation <paramref name="kind"/> to <paramref name="seed"/> with a generator seeded by <paramref name="caseSeed"/>.</summary>
    public static byte[] Make(string kind, byte[] seed, int caseSeed)
    {
        var random = new Random(caseSeed);
        return kind switch
        {
            "bit-flip" => ByteMutations.FlipBits(seed, random),
            "byte-overwrite" => ByteMutations.OverwriteBytes(seed, random),
            "truncation" => ByteMutations.Truncate(seed, random),
            "chunk-splice" => ByteMutations.Splice(seed, random),
            "length-lie" => ByteMutations.LieAboutALength(seed, random),
            "field-mutation" => FieldMutations.Mutate(seed, random),
            "huge-declaration" => FieldMutations.DeclareHuge(seed, random),
            "generated" => ModelGenerator.Generate(random),
            _ => throw new ArgumentException($"unknown fuzz kind '{kind}'", nameof(kind)),
        };
    }

    /// <summary>Loads <paramref name="bytes"/> with the real frontend and classifies the result.</summary>
    public static FuzzResult Run(string kind, byte[] bytes, OnnxFrontend? frontend = null)
    {
        frontend ??= new OnnxFrontend();
        var clock = Stopwatch.StartNew();
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            Graph graph = frontend.Load(stream, new FrontendOptions { SourceName = File });
            GC.KeepAlive(graph);
            return new FuzzResult(kind, FuzzOutcome.Loaded, null, clock.Elapsed.TotalMilliseconds);
        }
        catch (WasmGraphException e)
        {
            var outcome = e.Message.Contains(File, StringComparison.Ordinal) ? FuzzOutcome.Rejected : FuzzOutcome.RejectedUnclearly;
            return new FuzzResult(kind, outcome, e, clock.Elapsed.TotalMilliseconds);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new FuzzResult(kind, FuzzOutcome.Crashed, e, clock.Elapsed.TotalMilliseconds);
        }
    }

    /// <summary>
    /// Seed models: small models built here (conv net, MLP, pooling, reshapes), then up to <paramref name="maxTestdata"/>
    /// models of the ONNX node test suite and, with <paramref name="includeLarge"/>, ResNet18 — whichever
    /// <c>./wasmgraph fetch</c> has put under <paramref name="dataDirectory"/>.
    /// </summary>
    public static List<(string Name, byte[] Bytes)> Seeds(string? dataDirectory, int maxTestdata, bool includeLarge)
    {
        var seeds = new List<(string, byte[])>
        {
            ("conv-relu-pool", new OnnxModelBuilder().Opset(13)
                .Input("x", DataType.Float32, 1, 3, 8, 8)
                .Initializer("w", TestTensors.Random([4, 3, 3, 3], seed: 1))
                .Initializer("b", TestTensors.Random([4], seed: 2))
                .Node("Conv", ["x", "w", "b"], ["c"], OnnxAttr.Ints("pads", 1, 1, 1, 1), OnnxAttr.Ints("strides", 1, 1))
                .Node("Relu", ["c"], ["r"])
                .Node("MaxPool", ["r"], ["p"], OnnxAttr.Ints("kernel_shape", 2, 2), OnnxAttr.Ints("strides", 2, 2))
                .Node("GlobalAveragePool", ["p"], ["g"])
                .Node("Flatten", ["g"], ["y"], OnnxAttr.Int("axis", 1))
                .Output("y", DataType.Float32).ToBytes()),
            ("mlp-softmax", new OnnxModelBuilder().Opset(13)
                .Input("x", DataType.Float32, 2, 16)
                .Initializer("w1", TestTensors.Random([16, 8], seed: 3))
                .Initializer("w2", TestTensors.Random([4, 8], seed: 4))
                .Initializer("b2", TestTensors.Random([4], seed: 5), TensorEncoding.Typed)
                .Node("MatMul", ["x", "w1"], ["h"])
                .Node("Sigmoid", ["h"], ["s"])
                .Node("Gemm", ["s", "w2", "b2"], ["z"], OnnxAttr.Int("transB", 1))
                .Node("Softmax", ["z"], ["y"], OnnxAttr.Int("axis", 1))
                .Output("y", DataType.Float32).ToBytes()),
            ("reshape-transpose-concat", new OnnxModelBuilder().Opset(13)
                .Input("x", DataType.Float32, 2, 3, 4)
                .Initializer("shape", TensorData.FromArray(DataType.Int64, new Shape(2), new long[] { 6, 4 }))
                .Node("Reshape", ["x", "shape"], ["r"])
                .Node("Transpose", ["r"], ["t"], OnnxAttr.Ints("perm", 1, 0))
                .Node("Clip", ["t"], ["c"])
                .Node("Concat", ["t", "c"], ["y"], OnnxAttr.Int("axis", 0))
                .Output("y", DataType.Float32).ToBytes()),
        };
        if (dataDirectory is not null)
        {
            var node = Path.Combine(dataDirectory, "onnx-testdata", "node");
            if (Directory.Exists(node))
            {
                seeds.AddRange(Directory.GetDirectories(node).Order(StringComparer.Ordinal)
                    .Select(d => (Path.GetFileName(d), Path.Combine(d, "model.onnx")))
                    .Where(p => System.IO.File.Exists(p.Item2) && new FileInfo(p.Item2).Length < 1 << 20)
                    .Take(maxTestdata)
                    .Select(p => (p.Item1, System.IO.File.ReadAllBytes(p.Item2))));
            }
            var resnet = Path.Combine(dataDirectory, "resnet18", "ResNet18.onnx");
            if (includeLarge && System.IO.File.Exists(resnet))
            {
                seeds.Add(("ResNet18", System.IO.File.ReadAllBytes(resnet)));
            }
        }
        return seeds;
    }
}
