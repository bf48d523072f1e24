using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Host.Cli;

/// <summary>
/// The <c>run --json</c> document (docs/cli.md), and the figures the table output is printed from: the same records
/// feed both, so the two cannot disagree.
/// </summary>
public sealed record RunDocument(
    int SchemaVersion,
    string Command,
    string Module,
    string Runtime,
    IReadOnlyList<RunOutput> Outputs,
    RunTimings Timings,
    RunTopK? TopK,
    RunComparison? Reference,
    RunThroughput? Throughput)
{
    /// <summary>Each output the module declares and the run produced, in the module's order.</summary>
    internal static IReadOnlyList<RunOutput> OutputsOf(ModelMetadata metadata, IReadOnlyDictionary<string, TensorData> outputs, IReadOnlyDictionary<string, string> files)
        => metadata.Outputs.Where(info => outputs.ContainsKey(info.Name)).Select(info =>
        {
            var tensor = outputs[info.Name];
            var stats = TensorStats.Of(tensor);
            return new RunOutput(info.Name, tensor.Type.ElementType.Name(), tensor.Type.Shape.Dims.ToArray(), stats.Min, stats.Max, stats.Mean,
                                 files.GetValueOrDefault(info.Name));
        }).ToList();
}

/// <summary>One output: dtype, actual shape, statistics over every element, and the .npy file written with --output-dir.</summary>
public sealed record RunOutput(string Name, string Dtype, long[] Shape, double Min, double Max, double Mean, string? File);

/// <summary>Load, first run and median run, in milliseconds.</summary>
public sealed record RunTimings(double LoadMs, double FirstRunMs, double MedianMs, int Runs)
{
    internal static RunTimings Of(double loadMs, IReadOnlyList<double> times)
    {
        var sorted = times.Order().ToList();
        var median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
        return new RunTimings(loadMs, times[0], median, times.Count);
    }
}

/// <summary>The five highest scores of one float32 output (--labels or the module's label hint).</summary>
public sealed record RunTopK(string Output, IReadOnlyList<RunTopKEntry> Entries);

public sealed record RunTopKEntry(int Rank, int Index, string Label, double Score, double Probability);

/// <summary>The difference from the reference runner (--reference): per output, max |diff| and max |ref|.</summary>
public sealed record RunComparison(string Runner, double Ms, IReadOnlyList<RunComparisonOutput> Outputs);

public sealed record RunComparisonOutput(string Name, double? MaxAbsDiff, double? MaxAbsRef, string? Note);

/// <summary>--batch-parallel: inferences per second of N instances at once, and of one instance from the median.</summary>
public sealed record RunThroughput(int Instances, int Runs, double InferencesPerSecond, double SingleInstancePerSecond);
