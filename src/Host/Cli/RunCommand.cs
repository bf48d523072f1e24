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

namespace WasmGraph.Host.Cli;

/// <summary>
/// <c>run MODULE.wasm</c>: feeds inputs (.npy or a photo), runs the module in the configured runtime, and prints each
/// output's statistics, optionally the top-5 classes, the difference from ONNX Runtime, and timings.
/// </summary>
public sealed class RunCommand : AsyncCommand<RunSettings>
{
    private readonly WasmGraphHostFactory _hosts;
    private readonly HostConsoles _consoles;
    private readonly IReferenceRunner? _reference;

    public RunCommand(WasmGraphHostFactory hosts, HostConsoles consoles, IEnumerable<IReferenceRunner> references)
    {
        _hosts = hosts;
        _consoles = consoles;
        _reference = references.LastOrDefault();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, RunSettings settings, CancellationToken cancellation)
    {
        var bytes = InputFile.ReadAllBytes(settings.Module, "module file", InputFile.ModuleMaxBytes);
        // Checked before any input is built from it: every declared size fits the module's memory and --max-memory.
        var declared = WasmModuleReader.ReadMetadataForRun(bytes, settings.Module, settings.MaxMemoryMb * 1024 * 1024);
        var outputFiles = CheckArguments(settings, declared, _reference);
        if (settings.Threads > (declared.Threads ?? 1))
        {
            throw new WasmGraphException(declared.Threads is int compiled
                ? $"{settings.Module}: run --threads {settings.Threads}, but the module was compiled for at most {compiled} workers (compile --threads)"
                : $"{settings.Module}: run --threads {settings.Threads}, but the module was compiled without threads (compile --threads N makes one that can use them)");
        }
        var inputs = RunInputs.Build(settings, declared, _consoles.Warn);
        var labels = settings.Labels is not null ? LabelSets.Read(settings.Labels) : LabelsFromHint(settings.Module, declared);

        using var host = await _hosts.StartAsync(settings.ToHostSettings(PipelineStages.Run), cancellation).ConfigureAwait(false);
        var options = host.Services.GetRequiredService<IOptions<PipelineOptions>>().Value;
        var runtime = host.Services.GetRequiredService<ComponentCatalog>().Require<IRuntime>(options.Runtime.Name, "Pipeline:Runtime:Name");
        var runtimeOptions = new RuntimeOptions
        {
            CacheDirectory = options.Runtime.ResolvedCacheDirectory(),
            CacheMaxBytes = options.Runtime.ResolvedCacheMaxBytes(),
            // Only an explicit --timeout asks the runtime for in-code checks (they cost 11–45 %, see RunWatchdog); the
            // default limit and Ctrl-C/SIGTERM are the watchdog's, armed around the module's calls below.
            Timeout = settings.TimeoutSeconds is { } s ? TimeSpan.FromSeconds(s) : null,
            MaxMemoryBytes = settings.MaxMemoryMb * 1024 * 1024,
            Threads = settings.Threads,
        };

        // The default time limit and Ctrl-C/SIGTERM, around each stretch of the module's calls (see RunWatchdog).
        RunWatchdog ArmWatchdog() => RunWatchdog.Arm(settings.TimeoutSeconds is null ? options.Runtime.ResolvedRunTimeLimit() : null,
                                                    line => _consoles.Error.MarkupLine(line), cancellation);

        var clock = Stopwatch.StartNew();
        var watchdog = ArmWatchdog();
        IModelSession session;
        var times = new List<double>();
        IReadOnlyDictionary<string, TensorData> outputs = new Dictionary<string, TensorData>();
        double loadMs;
        try
        {
            session = runtime.Load(bytes, runtimeOptions);
            loadMs = clock.Elapsed.TotalMilliseconds;
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
        }
        finally
        {
            watchdog.Dispose();
        }
        using var loaded = session;
        cancellation.ThrowIfCancellationRequested(); // a signal as the watchdog was disarmed: report it, write nothing

        var written = WriteOutputs(outputFiles, outputs, announce: !settings.Json);
        var topFive = labels is null ? null : TopFive(labels, outputs);
        var comparison = settings.Reference is { Length: > 0 } reference ? Compare(_reference!, reference, inputs, session.Metadata, outputs) : null;
        var timings = RunTimings.Of(loadMs, times);
        RunThroughput? throughput = null;
        if (settings.BatchParallel is { } instances)
        {
            int runs = Math.Max(settings.Repeat, 4);
            double perSecond;
            using (ArmWatchdog())
            {
                // No token: the sessions would take the epoch-checking engine and measure it; the watchdog stops them.
                perSecond = ParallelThroughput.ImagesPerSecond(runtime, bytes, runtimeOptions, inputs, instances, runs, CancellationToken.None);
            }
            throughput = new RunThroughput(instances, runs, perSecond, 1000.0 / timings.MedianMs);
        }

        if (settings.Json)
        {
            CliJson.Write(_consoles, new RunDocument(CliJson.SchemaVersion, "run", settings.Module, runtime.Name,
                                                     RunDocument.OutputsOf(session.Metadata, outputs, written), timings, topFive, comparison, throughput));
            return 0;
        }
        PrintOutputs(session.Metadata, outputs);
        if (topFive is not null)
        {
            PrintTopFive(topFive);
        }
        if (comparison is not null)
        {
            PrintReference(comparison);
        }
        PrintTimings(runtime.Name, timings);
        if (throughput is not null)
        {
            _consoles.Out.MarkupLine($"throughput: {throughput.Instances} instance(s) × {throughput.Runs} runs: [bold]{throughput.InferencesPerSecond:F2}[/] inferences/s " +
                                     $"(one instance, median: {throughput.SingleInstancePerSecond:F2}/s)");
        }
        return 0;
    }

    /// <summary>Load, first run (includes any lazy initialisation), and the median over all runs.</summary>
    private void PrintTimings(string runtime, RunTimings timings)
    {
        var repeat = timings.Runs > 1 ? $", median of {timings.Runs} runs {Format.Ms(timings.MedianMs)}" : "";
        _consoles.Out.MarkupLine($"runtime [bold]{Markup.Escape(runtime)}[/]: load {Format.Ms(timings.LoadMs)}, first run {Format.Ms(timings.FirstRunMs)}{repeat}");
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
            table.AddRow(Format.UntrustedMarkup(info.Name), tensor.Type.ElementType.Name(), Markup.Escape(Format.Shape(tensor.Type.Shape.Dims)),
                         Format.Number(stats.Min), Format.Number(stats.Max), Format.Number(stats.Mean));
        }
        _consoles.Out.Write(table);
    }

    /// <summary>
    /// Checks, before anything runs, the arguments used only after the run: every <c>--reference</c> model, and the
    /// <c>--output-dir</c> with the file each output will be written to (distinct names, none of them a directory, a
    /// device or one of this command's input files). Returns the output files, or null without <c>--output-dir</c>.
    /// Inputs, the image and labels are read before the run anyway, each through <see cref="InputFile"/>.
    /// </summary>
    private static IReadOnlyList<(string Output, string Path)>? CheckArguments(RunSettings settings, ModelMetadata declared, IReferenceRunner? runner)
    {
        if (settings.Reference.Length > 0 && runner is null)
        {
            throw new WasmGraphException("--reference needs a reference runner, and this build of wasmgraph has none (src/Apps registers ONNX Runtime's)");
        }
        foreach (var reference in settings.Reference)
        {
            InputFile.Require(reference, "--reference model", InputFile.OnnxMaxBytes);
        }
        if (settings.OutputDir is not { } directory)
        {
            return null;
        }
        OutputPath.CheckDirectory(directory, "--output-dir");
        // An --input spec is NAME=FILE or FILE; both readings are candidates (a missing file is skipped).
        var inputs = settings.Inputs.SelectMany(spec => new[] { spec, spec[(spec.IndexOf('=') + 1)..] })
            .Concat([settings.Module, settings.Image, settings.Labels, settings.ConfigFile]).Concat(settings.Reference).ToList();
        var files = TensorStats.FileNames(declared.Outputs.Select(o => o.Name), ".npy")
            .Select(f => (f.Output, Path: Path.Combine(directory, f.FileName))).ToList();
        foreach (var (_, path) in files)
        {
            OutputPath.Check(path, "--output-dir", inputs, probe: false);
        }
        return files;
    }

    /// <summary>Writes each output's .npy file; returns the file of each output written, and says so unless <paramref name="announce"/> is off (--json).</summary>
    private Dictionary<string, string> WriteOutputs(IReadOnlyList<(string Output, string Path)>? files, IReadOnlyDictionary<string, TensorData> outputs, bool announce)
    {
        var written = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (output, path) in files ?? [])
        {
            if (!outputs.TryGetValue(output, out var tensor))
            {
                continue;
            }
            NpyFile.Write(path, tensor);
            written[output] = path;
            if (!announce)
            {
                continue;
            }
            var note = tensor.Type.ElementType == DataType.BFloat16 ? " (bfloat16 as <u2 bits: .npy has no bfloat16)" : "";
            var renamed = Path.GetFileName(path) == output + ".npy" ? "" : $" (output '{Format.Untrusted(output)}')";
            _consoles.Out.MarkupLine($"wrote [green]{Format.UntrustedMarkup(path, 4096)}[/]{Markup.Escape(renamed + note)}");
        }
        return written;
    }

    /// <summary>Top-5 of the output whose size matches the label count (else the first float output); null when no output is float32.</summary>
    private RunTopK? TopFive(string[] labels, IReadOnlyDictionary<string, TensorData> outputs)
    {
        var floats = outputs.Where(o => o.Value.Type.ElementType == DataType.Float32).ToList();
        var chosen = floats.FirstOrDefault(o => o.Value.Type.ElementCount == labels.Length);
        if (chosen.Value is null)
        {
            chosen = floats.FirstOrDefault();
            if (chosen.Value is null)
            {
                _consoles.Warn("--labels: no float32 output to rank");
                return null;
            }
            _consoles.Warn($"--labels has {labels.Length} labels but output '{Format.Untrusted(chosen.Key)}' has {chosen.Value.Type.ElementCount} values; ranking it anyway");
        }
        var entries = TensorStats.TopK(chosen.Value.ToFloatArray(), 5)
            .Select((e, i) => new RunTopKEntry(i + 1, e.Index, e.Index < labels.Length ? labels[e.Index] : "?", e.Score, e.Probability)).ToList();
        return new RunTopK(chosen.Key, entries);
    }

    private void PrintTopFive(RunTopK topFive)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"top-5 of {Format.UntrustedMarkup(topFive.Output)}")
            .AddColumns("#", "index", "label", "score", "softmax");
        foreach (var entry in topFive.Entries)
        {
            table.AddRow($"{entry.Rank}", $"{entry.Index}", Format.UntrustedMarkup(entry.Label), Format.Number(entry.Score), Format.Number(entry.Probability));
        }
        _consoles.Out.Write(table);
    }

    /// <summary>
    /// A module may name its label set in its hints (<c>labels=imagenet</c>); use it when it is fetched. The module is
    /// untrusted: a value that is not a label-set name (a path, say) is ignored with a warning, never opened, since
    /// compile's check does not bind a hand-made module.
    /// </summary>
    private string[]? LabelsFromHint(string module, ModelMetadata metadata)
    {
        if (!metadata.Hints.TryGetValue(HintSchema.Labels, out var name))
        {
            return null;
        }
        if (!LabelSets.IsSetName(name))
        {
            _consoles.Warn($"{module}: ignoring hint labels={Format.Untrusted(name, 60)}: a module may only name a fetched label set such as 'imagenet', not a file; " +
                           "give --labels FILE to use a file");
            return null;
        }
        var labels = LabelSets.ReadSet(name);
        if (labels is null)
        {
            _consoles.Warn($"the module's label set '{Format.Untrusted(name)}' is not fetched ({Path.GetFullPath(LabelSets.PathOf(name))}); run ./wasmgraph fetch");
        }
        return labels;
    }

    private static RunComparison Compare(IReferenceRunner runner, string[] models, IReadOnlyDictionary<string, TensorData> inputs, ModelMetadata metadata,
                                         IReadOnlyDictionary<string, TensorData> outputs)
    {
        var clock = Stopwatch.StartNew();
        var expected = runner.RunChain(models, inputs);
        double referenceMs = clock.Elapsed.TotalMilliseconds;
        var rows = new List<RunComparisonOutput>();
        for (int i = 0; i < metadata.Outputs.Length; i++)
        {
            var name = metadata.Outputs[i].Name;
            // Match by name; fall back to position when the compiler renamed an output.
            var reference = expected.TryGetValue(name, out var byName) ? byName : expected.Values.ElementAtOrDefault(i);
            if (reference is null || !outputs.TryGetValue(name, out var actual))
            {
                rows.Add(new RunComparisonOutput(name, null, null, "no reference output"));
                continue;
            }
            var (diff, magnitude) = TensorStats.Compare(actual, reference);
            var note = reference.Type.ElementCount != actual.Type.ElementCount
                ? $"shape differs: {Format.Shape(reference.Type.Shape.Dims)}"
                : null;
            rows.Add(new RunComparisonOutput(name, diff, magnitude, note));
        }
        return new RunComparison(runner.Name, referenceMs, rows);
    }

    private void PrintReference(RunComparison comparison)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"vs {Markup.Escape(comparison.Runner)} ({Format.Ms(comparison.Ms)})")
            .AddColumns("output", "max |diff|", "max |ref|", "note");
        foreach (var row in comparison.Outputs)
        {
            table.AddRow(Format.UntrustedMarkup(row.Name), row.MaxAbsDiff is { } diff ? Format.Number(diff) : "-",
                         row.MaxAbsRef is { } magnitude ? Format.Number(magnitude) : "-", Markup.Escape(row.Note ?? ""));
        }
        _consoles.Out.Write(table);
    }
}
