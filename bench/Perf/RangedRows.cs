using System.Diagnostics;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Apps.Reference;
using WasmGraph.Bench.Engines;
using WasmGraph.Bench.Report;

namespace WasmGraph.Bench;

/// <summary>
/// Issue 11's proof row: one module compiled through the public command line with a run-time range
/// (<c>wasmgraph compile model.onnx --input-shape input_ids=1,1..128</c>) and run at each of the model's shapes
/// (16 and 128 tokens), each a row of the same report beside the static module's, against ONNX Runtime native and
/// onnxruntime-web at that shape. The kernel profile is kept only for the run at the bound: the metadata's FLOP
/// counts are the bound's, so at a shorter length they would overstate each kernel's rate.
/// </summary>
public static class RangedRows
{
    public static IReadOnlyList<ModelResult> Measure(string repoRoot, BenchModel model, int repeat)
    {
        using var wasm = new WasmGraphEngine();
        var compile = wasm.CompileWithCli(model, repoRoot);
        var metadata = wasm.Metadata!;
        using var native = new OnnxReferenceSession([model.Path]);
        var rows = new List<ModelResult>();
        foreach (var (label, shapes) in model.RunAt)
        {
            var types = metadata.Inputs.Select(i => (i.Name, new TensorType(i.ToTensorType().ElementType, new Shape(shapes.TryGetValue(i.Name, out var s) ? s : [.. i.Shape]))));
            var inputs = model.MakeInputs(types);
            bool atBound = metadata.Inputs.All(i => inputs[i.Name].Type.Shape.Dims.SequenceEqual(i.Shape));
            var actual = wasm.Run(inputs);
            double wasmMs = PeerComparison.Median(repeat, () => wasm.Run(inputs));
            var kernels = atBound
                ? metadata.Kernels.Zip(wasm.Profile(inputs, 3)).Select(t => new KernelTime(t.First.Name, t.First.Op, t.First.Flops, t.Second)).ToList()
                : [];
            long workingSet = Process.GetCurrentProcess().PeakWorkingSet64;

            var expected = native.Run(inputs);
            double nativeMs = PeerComparison.Median(repeat, () => native.Run(inputs));
            var (diff, magnitude) = PeerComparison.Compare(expected, actual);
            var (webMs, problem) = OrtWebEngine.Time(repoRoot, model.Path, inputs, repeat);
            int runs = Math.Max(4, repeat / 2);
            double one = wasm.Throughput(wasm.Module, inputs, 1, runs);
            double two = wasm.Throughput(wasm.Module, inputs, 2, runs);
            rows.Add(new ModelResult(model with { Name = $"{model.Name} at {label}" }, compile, wasmMs, nativeMs, webMs, problem, workingSet, kernels,
                                     diff, magnitude, one, two)
            {
                ThreadsProblem = "a range is not combined with --threads yet",
            });
            Console.WriteLine($"  at {label}: wasm {wasmMs:F1} ms, ORT native {nativeMs:F1} ms, ORT web {webMs?.ToString("F1") ?? "n/a"} ms");
        }
        return rows;
    }
}
