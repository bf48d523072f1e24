using WasmGraph.Bench.Engines;

namespace WasmGraph.Bench.Report;

/// <summary>One kernel's share of a profile.</summary>
public sealed record KernelTime(string Name, string Op, long Flops, double Ms)
{
    public double Gflops => Ms > 0 ? Flops / Ms / 1e6 : 0;
}

/// <summary>Everything measured for one model in one run.</summary>
public sealed record ModelResult(
    BenchModel Model,
    CompileFigures Compile,
    double WasmMedianMs,
    double OrtNativeMedianMs,
    double? OrtWebMedianMs,
    string? OrtWebProblem,
    long PeakWorkingSetBytes,
    IReadOnlyList<KernelTime> Kernels,
    double MaxAbsDiffVsOrt,
    double MaxAbsRef,
    double ThroughputOne,
    double ThroughputTwo)
{
    /// <summary>Each target profile's latency, for the models bench/models.json marks; empty for the others.</summary>
    public IReadOnlyList<ProfileTime> Profiles { get; init; } = [];

    /// <summary>The <c>compile --threads 2</c> module run by 2 workers (<c>run --threads 2</c>); null with <see cref="ThreadsProblem"/> when it could not run.</summary>
    public double? Wasm2ThreadsMedianMs { get; init; }

    public string? ThreadsProblem { get; init; }

    /// <summary>onnxruntime-web with <c>numThreads = 2</c> (Node worker threads).</summary>
    public double? OrtWeb2ThreadsMedianMs { get; init; }

    public double? TwoOverOneThread => Wasm2ThreadsMedianMs / WasmMedianMs;

    public double? TwoThreadsVsWeb2 => Wasm2ThreadsMedianMs / OrtWeb2ThreadsMedianMs;

    public double VsWeb => OrtWebMedianMs is { } web ? WasmMedianMs / web : double.NaN;
    public double VsNative => WasmMedianMs / OrtNativeMedianMs;
    public long Flops => Kernels.Sum(k => k.Flops);
}
