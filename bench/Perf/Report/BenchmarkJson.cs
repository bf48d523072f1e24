using System.Runtime.InteropServices;
using System.Text.Json;
using WasmGraph.Host.Cli;

namespace WasmGraph.Bench.Report;

/// <summary>
/// <c>./wasmgraph bench --json</c>: the measured table of docs/benchmarks.md as one JSON document (schema in
/// docs/cli.md), with the CLI's conventions (<see cref="CliJson"/>): camelCase, milliseconds as <c>…Ms</c>, bytes as
/// <c>…Bytes</c>, a missing figure as null. The same <see cref="ModelResult"/>s feed the Markdown report.
/// </summary>
public static class BenchmarkJson
{
    public static void Write(TextWriter writer, IReadOnlyList<ModelResult> results, double peakGflops, int repeat, IReadOnlyList<string> skipped)
    {
        var document = new BenchDocument(
            CliJson.SchemaVersion,
            "bench",
            DateTimeOffset.UtcNow,
            new BenchMachine(Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.ProcessArchitecture.ToString(),
                             RuntimeInformation.FrameworkDescription),
            repeat,
            peakGflops,
            results.Select(r => new BenchModelDocument(
                r.Model.Name,
                r.Compile.ColdCompileMs, r.Compile.FirstLoadMs, r.Compile.CachedLoadMs,
                r.Compile.ModuleBytes, r.Compile.WeightBytes, r.Compile.ArenaBytes,
                r.WasmMedianMs, r.OrtNativeMedianMs, r.OrtWebMedianMs, r.OrtWebProblem,
                r.VsNative, r.OrtWebMedianMs is null ? null : r.VsWeb,
                r.PeakWorkingSetBytes, r.Flops, r.MaxAbsDiffVsOrt, r.MaxAbsRef,
                r.ThroughputOne, r.ThroughputTwo,
                r.Wasm2ThreadsMedianMs, r.OrtWeb2ThreadsMedianMs,
                r.Kernels.Select(k => new BenchKernel(k.Name, k.Op, k.Flops, k.Ms)).ToList())).ToList(),
            skipped);
        writer.Write(JsonSerializer.Serialize(document, CliJson.Options));
        writer.Write('\n');
        writer.Flush();
    }
}

public sealed record BenchDocument(int SchemaVersion, string Command, DateTimeOffset Date, BenchMachine Machine, int Repeat, double Simd128PeakGflops,
                                   IReadOnlyList<BenchModelDocument> Models, IReadOnlyList<string> Skipped);

public sealed record BenchMachine(int ProcessorCount, string Os, string Architecture, string Framework);

public sealed record BenchModelDocument(
    string Name,
    double ColdCompileMs, double FirstLoadMs, double CachedLoadMs,
    long ModuleBytes, long WeightBytes, long ArenaBytes,
    double WasmMedianMs, double OrtNativeMedianMs, double? OrtWebMedianMs, string? OrtWebProblem,
    double WasmOverOrtNative, double? WasmOverOrtWeb,
    long PeakWorkingSetBytes, long Flops, double MaxAbsDiffVsOrt, double MaxAbsRef,
    double ThroughputOneInstance, double ThroughputTwoInstances,
    double? WasmTwoThreadsMedianMs, double? OrtWebTwoThreadsMedianMs,
    IReadOnlyList<BenchKernel> Kernels);

public sealed record BenchKernel(string Name, string Op, long Flops, double Ms);
