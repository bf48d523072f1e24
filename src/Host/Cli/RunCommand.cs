using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Spectre.Console;
using Spectre.Console.Cli;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.Configuration;
using WasmGraph.Host.Hosting;
using WasmGraph.Host.IO;
using WasmGraph.Host.Pipeline;
using WasmGraph.Host.Plugins;
using WasmGraph.Host.Reference;

namespace WasmGraph.Host.Cli;

/// <summary>
/// <c>run MODULE.wasm</c>: feeds inputs (.npy or a photo), runs the module in the configured runtime, and prints each
/// output's statistics, optionally the top-5 classes, the difference from ONNX Runtime, and timings.
/// </summary>
public sealed class RunCommand : AsyncCommand<RunSettings>
{
    /// <summary>
    /// The time limit of one run without <c>--timeout</c>: ten minutes, far beyond any model we compile (ResNet50 runs
    /// in well under a second), so only a module that hangs meets it, and a script never waits forever on one.
    /// </summary>
    public const double DefaultTimeoutSeconds = 600;

    private readonly WasmGraphHostFactory _hosts;
    private readonly HostConsoles _consoles;

    public RunCommand(WasmGraphHostFactory hosts, HostConsoles consoles)
    {
        _hosts = hosts;
        _consoles = consoles;
    }

    public override async Task<int> ExecuteAsync(CommandContext context, RunSettings settings, CancellationToken cancellation)
    {
        if (!File.Exists(settings.Module))
        {
            throw new WasmGraphException($"module file not found: {Path.GetFullPath(settings.Module)}");
        }
        var bytes = await File.ReadAllBytesAsync(settings.Module, cancellation).ConfigureAwait(false);
        var declared = WasmModuleReader.ReadMetadata(bytes, settings.Module);
        var inputs = RunInputs.Build(settings, declared);
        var labels = settings.Labels is not null ? LabelSets.Read(settings.Labels) : LabelsFromHint(declared);

        using var host = await _hosts.StartAsync(settings.ToHostSettings(PipelineStages.Run), cancellation).ConfigureAwait(false);
        var options = host.Services.GetRequiredService<IOptions<PipelineOptions>>().Value;
        var runtime = host.Services.GetRequiredService<ComponentCatalog>().Require<IRuntime>(options.Runtime.Name, "Pipeline:Runtime:Name");
        var runtimeOptions = new RuntimeOptions
        {
            CacheDirectory = options.Runtime.ResolvedCacheDirectory(),
            Timeout = TimeSpan.FromSeconds(settings.TimeoutSeconds ?? DefaultTimeoutSeconds),
            MaxMemoryBytes = settings.MaxMemoryMb * 1024 * 1024,
            Cancellation = cancellation, // Ctrl-C and SIGTERM stop a running module, not only the steps around it
        };

        var clock = Stopwatch.StartNew();
        using var session = runtime.Load(bytes, runtimeOptions);
        var loadMs = clock.Elapsed.TotalMilliseconds;
        var times = new List<double>();
        IReadOnlyDictionary<string, TensorData> outputs = new Dictionary<string, TensorData>();
        for (int i = 0; i < settings.Repeat; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            clock.Restart();
            var result = session.Run(inputs);
            times.Add(clock.Elapsed.TotalMilliseconds);
            if (i == 0)
            {
                outputs = result;
            }
        }
        cancellation.ThrowIfCancellationRequested(); // a signal during the last run: report it, write nothing

        PrintOutputs(session.Metadata, outputs);
        WriteOutputs(settings.OutputDir, session.Metadata, outputs);
        if (labels is not null)
        {
            PrintTopFive(labels, outputs);
        }
        if (settings.Reference is { Length: > 0 } reference)
        {
            PrintReference(reference, inputs, session.Metadata, outputs);
        }
        PrintTimings(runtime.Name, loadMs, times);
        if (settings.BatchParallel is { } instances)
        {
            int runs = Math.Max(settings.Repeat, 4);
            var perSecond = ParallelThroughput.ImagesPerSecond(runtime, bytes, runtimeOptions, inputs, instances, runs, cancellation);
            var single = 1000.0 / times.Order().ElementAt(times.Count / 2);
            _consoles.Out.MarkupLine($"throughput: {instances} instance(s) × {runs} runs: [bold]{perSecond:F2}[/] inferences/s " +
                                     $"(one instance, median: {single:F2}/s)");
        }
        return 0;
    }

    /// <summary>Load, first run (includes any lazy initialisation), and the median over all runs.</summary>
    private void PrintTimings(string runtime, double loadMs, List<double> times)
    {
        var first = times[0];
        var sorted = times.Order().ToList();
        var median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
        var repeat = times.Count > 1 ? $", median of {times.Count} runs {Format.Ms(median)}" : "";
        _consoles.Out.MarkupLine($"runtime [bold]{Markup.Escape(runtime)}[/]: load {Format.Ms(loadMs)}, first run {Format.Ms(first)}{repeat}");
    }

    private void PrintOutputs(ModelMetadata metadata, IReadOnlyDictionary<string, TensorData> outputs)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("output", "dtype", "shape", "min", "max", "mean");
        foreach (var info in metadata.Outputs)
        {
            if (!outputs.TryGetValue(info.Name, out var tensor))
            {
                continue;
            }
            var stats = TensorStats.Of(tensor);
            table.AddRow(Markup.Escape(info.Name), tensor.Type.ElementType.Name(), Markup.Escape(Format.Shape(tensor.Type.Shape.Dims)),
                         Format.Number(stats.Min), Format.Number(stats.Max), Format.Number(stats.Mean));
        }
        _consoles.Out.Write(table);
    }

    private void WriteOutputs(string? directory, ModelMetadata metadata, IReadOnlyDictionary<string, TensorData> outputs)
    {
        if (directory is null)
        {
            return;
        }
        Directory.CreateDirectory(directory);
        foreach (var info in metadata.Outputs.Where(o => outputs.ContainsKey(o.Name)))
        {
            var path = Path.Combine(directory, TensorStats.SafeFileName(info.Name) + ".npy");
            NpyFile.Write(path, outputs[info.Name]);
            var note = outputs[info.Name].Type.ElementType == DataType.BFloat16 ? " (bfloat16 as <u2 bits: .npy has no bfloat16)" : "";
            _consoles.Out.MarkupLine($"wrote [green]{Markup.Escape(path)}[/]{Markup.Escape(note)}");
        }
    }

    /// <summary>Top-5 of the output whose size matches the label count (else the first float output).</summary>
    private void PrintTopFive(string[] labels, IReadOnlyDictionary<string, TensorData> outputs)
    {
        var floats = outputs.Where(o => o.Value.Type.ElementType == DataType.Float32).ToList();
        var chosen = floats.FirstOrDefault(o => o.Value.Type.ElementCount == labels.Length);
        if (chosen.Value is null)
        {
            chosen = floats.FirstOrDefault();
            if (chosen.Value is null)
            {
                _consoles.Warn("--labels: no float32 output to rank");
                return;
            }
            _consoles.Warn($"--labels has {labels.Length} labels but output '{chosen.Key}' has {chosen.Value.Type.ElementCount} values; ranking it anyway");
        }
        var table = new Table().Border(TableBorder.Rounded).Title($"top-5 of {Markup.Escape(chosen.Key)}")
            .AddColumns("#", "index", "label", "score", "softmax");
        int rank = 1;
        foreach (var (index, score, probability) in TensorStats.TopK(chosen.Value.ToFloatArray(), 5))
        {
            var label = index < labels.Length ? labels[index] : "?";
            table.AddRow($"{rank++}", $"{index}", Markup.Escape(label), Format.Number(score), Format.Number(probability));
        }
        _consoles.Out.Write(table);
    }

    /// <summary>A module may name its label set in its hints (<c>labels=imagenet</c>); use it when it is fetched.</summary>
    private string[]? LabelsFromHint(ModelMetadata metadata)
    {
        if (!metadata.Hints.TryGetValue("labels", out var name))
        {
            return null;
        }
        try
        {
            return LabelSets.Read(name);
        }
        catch (WasmGraphException e)
        {
            _consoles.Warn($"the module's label set '{name}' is not available: {e.Message}");
            return null;
        }
    }

    private void PrintReference(string[] models, IReadOnlyDictionary<string, TensorData> inputs, ModelMetadata metadata,
                                IReadOnlyDictionary<string, TensorData> outputs)
    {
        var clock = Stopwatch.StartNew();
        var expected = OnnxReferenceRunner.RunChain(models, inputs);
        var table = new Table().Border(TableBorder.Rounded).Title($"vs ONNX Runtime ({Format.Ms(clock.Elapsed.TotalMilliseconds)})")
            .AddColumns("output", "max |diff|", "max |ref|", "note");
        for (int i = 0; i < metadata.Outputs.Length; i++)
        {
            var name = metadata.Outputs[i].Name;
            // Match by name; fall back to position when the compiler renamed an output.
            var reference = expected.TryGetValue(name, out var byName) ? byName : expected.Values.ElementAtOrDefault(i);
            if (reference is null || !outputs.TryGetValue(name, out var actual))
            {
                table.AddRow(Markup.Escape(name), "-", "-", "no reference output");
                continue;
            }
            var (diff, magnitude) = TensorStats.Compare(actual, reference);
            var note = reference.Type.ElementCount != actual.Type.ElementCount
                ? $"shape differs: {Format.Shape(reference.Type.Shape.Dims)}"
                : "";
            table.AddRow(Markup.Escape(name), Format.Number(diff), Format.Number(magnitude), Markup.Escape(note));
        }
        _consoles.Out.Write(table);
    }
}
