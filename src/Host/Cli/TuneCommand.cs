using System.Collections.Immutable;
using System.ComponentModel;
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

public sealed class TuneSettings : HostCommandSettings
{
    [CommandArgument(0, "<MODEL>")]
    [Description("The model whose kernel choices to measure (model.onnx)")]
    public string Model { get; init; } = "";

    [CommandOption("-o|--output <OUT>")]
    [Description("The tuning log to write, and to resume from when it exists (default: MODEL with the extension .tuning.json)")]
    public string? Output { get; init; }

    [CommandOption("--input-shape <NAME=DIMS>")]
    [Description("Pin an input's shape, e.g. input=1,3,224,224 (repeatable), as for compile")]
    public string[] InputShapes { get; init; } = [];

    [CommandOption("--passes <LIST>")]
    [Description("Comma-separated pass pipeline replacing Pipeline:Passes, as for compile")]
    public string? Passes { get; init; }

    [CommandOption("--repeat <N>")]
    [Description("Timed runs of each candidate, after two warm-up runs; the median is recorded (default 25)")]
    public int Repeat { get; init; } = TuneCommand.DefaultRepeat;

    [CommandOption("--target <PROFILE>")]
    [Description("relaxed, simd128 or mvp: the target profile to measure for, as compile --target (entries are keyed by its features); default Pipeline:Backend:Features")]
    public string? Target { get; init; }

    /// <summary>The profile <c>--target</c> names, or null for the configured features; one profile, since a log entry is measured for one.</summary>
    public TargetProfile? ParseTarget()
    {
        if (Target is null)
        {
            return null;
        }
        var profiles = TargetProfiles.Parse(Target, "--target");
        return profiles.Length == 1 ? profiles[0] : throw new WasmGraphException("--target all: tune measures one profile at a time; run it once per profile into the same log");
    }

    protected override IEnumerable<string?> FlagErrors() =>
    [
        SettingsChecks.Empty(Model, "MODEL"),
        SettingsChecks.InRange(Repeat, "--repeat", 1, 1000),
        SettingsChecks.Parses(() => ParseTarget()),
    ];
}

/// <summary>
/// <c>tune MODEL -o MODEL.tuning.json</c>: for each distinct workload of the compiled model where the backend has more
/// than one kernel (<see cref="IBackend.TuningWorkloads"/>; for llvm-wasm a conv shape and its algorithms), compiles a
/// one-node benchmark module per candidate through the real backend, loads each in the configured runtime, and times
/// them in alternation (two warm-up runs each, which also pay any first-run weight transform, then
/// <c>--repeat</c> rounds with the candidates' order rotated each round); the median wins. The log (see
/// <see cref="TuningLog"/>) is rewritten atomically after every workload, so an interrupted tune loses at most the
/// workload it was measuring, and entries already in it for the same key and target are reused, not measured again.
/// </summary>
public sealed class TuneCommand(WasmGraphHostFactory hosts, HostConsoles consoles) : AsyncCommand<TuneSettings>
{
    public const int DefaultRepeat = 25;

    private const int WarmUpRuns = 2;

    public override async Task<int> ExecuteAsync(CommandContext context, TuneSettings settings, CancellationToken cancellation)
    {
        var output = settings.Output ?? Path.ChangeExtension(settings.Model, ".tuning.json");
        InputFile.Require(settings.Model, "model file", InputFile.OnnxMaxBytes);
        OutputPath.Check(output, "-o", [settings.Model, settings.ConfigFile]);
        // An existing log is read first: a damaged one is refused (exit 2) rather than overwritten.
        var log = File.Exists(output) ? CompilePipeline.ReadTuningLog(output)! : new TuningLog { Source = output };

        var hostSettings = settings.ToHostSettings(PipelineStages.Compile | PipelineStages.Run) with
        {
            Passes = settings.Passes is null ? null : PassListResolver.Parse(settings.Passes),
        };
        using var host = await hosts.StartAsync(hostSettings, cancellation).ConfigureAwait(false);
        var pipeline = host.Services.GetRequiredService<CompilePipeline>();
        var options = host.Services.GetRequiredService<IOptions<PipelineOptions>>().Value;
        var runtime = host.Services.GetRequiredService<ComponentCatalog>().Require<IRuntime>(options.Runtime.Name, "Pipeline:Runtime:Name");
        var request = new CompileRequest(settings.Model, output) { InputShapes = CompileSettings.ParseInputShapes(settings.InputShapes) };

        var clock = Stopwatch.StartNew();
        var (graph, backend, backendOptions) = pipeline.Optimize(request, cancellation: cancellation);
        if (settings.ParseTarget() is { } profile)
        {
            backendOptions = backendOptions with { Features = profile.Features };
            backend.CheckOptions(backendOptions);
        }
        var target = backend.TuningTarget(backendOptions);
        var workloads = backend.TuningWorkloads(graph, backendOptions with { Cancellation = cancellation });
        int known = workloads.Count(w => log.Find(w.Key, target) is not null);
        consoles.Error.MarkupLine(Markup.Escape(
            $"tuning {settings.Model}: {workloads.Count} workload(s) with a kernel choice for backend '{backend.Name}', target '{target}'; " +
            $"{known} already in {output}, {workloads.Count - known} to measure ({settings.Repeat} runs each)"));

        var runtimeOptions = new RuntimeOptions { CacheDirectory = null, Cancellation = cancellation };
        var rows = new List<(TuningWorkload Workload, TuningEntry Entry, bool Measured)>();
        var measurer = new Measurer(backend, runtime, runtimeOptions, settings.Repeat, target, cancellation);

        void TuneAll(Action<TuningWorkload, int> starting, Action<string> candidateDone, Action<TuningWorkload, TuningEntry, bool> finished)
        {
            for (int i = 0; i < workloads.Count; i++)
            {
                cancellation.ThrowIfCancellationRequested();
                var workload = workloads[i];
                if (log.Find(workload.Key, target) is { } existing)
                {
                    rows.Add((workload, existing, false));
                    finished(workload, existing, false);
                    continue;
                }
                starting(workload, i);
                var entry = measurer.Measure(workload, candidateDone);
                log = log.With(entry);
                AtomicFile.WriteAllBytes(output, log.ToJson(), cancellation);
                rows.Add((workload, entry, true));
                finished(workload, entry, true);
            }
            if (!File.Exists(output))
            {
                AtomicFile.WriteAllBytes(output, log.ToJson(), cancellation); // a model without choices still gets its (empty) log
            }
        }

        int steps = workloads.Where(w => log.Find(w.Key, target) is null).Sum(w => w.Candidates.Length);
        if (settings.ShowsProgress(consoles) && consoles.Error.Profile.Capabilities is { Interactive: true, Ansi: true } && !settings.Verbose)
        {
            consoles.Error.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                         new ElapsedTimeColumn(), new SpinnerColumn())
                .Start(progress =>
                {
                    var task = progress.AddTask("tuning", maxValue: Math.Max(1, steps));
                    TuneAll((w, i) => task.Description = Markup.Escape($"{i + 1}/{workloads.Count} {w.Description}"),
                            _ => task.Increment(1),
                            (_, _, _) => { });
                    task.Value = task.MaxValue;
                });
        }
        else
        {
            int done = 0;
            TuneAll((_, _) => { },
                    _ => { },
                    (w, entry, measured) => consoles.Error.MarkupLine(Markup.Escape(
                        $"[{++done}/{workloads.Count}] {w.Key}: {entry.Choice} {Format.Ms(entry.Milliseconds)} " +
                        $"({(measured ? "measured" : "reused")}; {Candidates(entry)})")));
        }

        consoles.Out.Write(Report(rows));
        int measuredCount = rows.Count(r => r.Measured);
        consoles.Out.MarkupLine(Markup.Escape(
            $"measured {measuredCount}, reused {rows.Count - measuredCount} of {workloads.Count} workload(s) in {clock.Elapsed.TotalSeconds:F1} s; wrote {Path.GetFullPath(output)}"));
        return 0;
    }

    private static string Candidates(TuningEntry entry)
        => string.Join(", ", entry.Candidates.Select(c => $"{c.Key} {Format.Ms(c.Value)}"));

    private static Table Report(IReadOnlyList<(TuningWorkload Workload, TuningEntry Entry, bool Measured)> rows)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("kernel choices")
            .AddColumn("workload").AddColumn(new TableColumn("nodes").RightAligned()).AddColumn("choice")
            .AddColumn(new TableColumn("time").RightAligned()).AddColumn("candidates (median)").AddColumn("");
        foreach (var (workload, entry, measured) in rows)
        {
            table.AddRow(Markup.Escape(workload.Key), $"{workload.Nodes.Length}", $"[green]{Markup.Escape(entry.Choice)}[/]",
                         Format.Ms(entry.Milliseconds), Markup.Escape(Candidates(entry)), measured ? "measured" : "[grey]reused[/]");
        }
        return table;
    }

    /// <summary>Compiles, loads and times the candidates of one workload.</summary>
    private sealed class Measurer(IBackend backend, IRuntime runtime, RuntimeOptions runtimeOptions, int repeat, string target,
                                  CancellationToken cancellation)
    {
        public TuningEntry Measure(TuningWorkload workload, Action<string> candidateDone)
        {
            var sessions = new List<IModelSession>();
            try
            {
                foreach (var candidate in workload.Candidates)
                {
                    var artifact = backend.Compile(workload.Benchmark, candidate.Options with { Cancellation = cancellation });
                    sessions.Add(runtime.Load(artifact.Bytes, runtimeOptions));
                    candidateDone(candidate.Name);
                }
                var inputs = Inputs(workload.Benchmark);
                foreach (var session in sessions)
                {
                    for (int i = 0; i < WarmUpRuns; i++)
                    {
                        session.Run(inputs);
                    }
                }
                // Round-robin, starting one candidate later each round: load on a shared machine hits all alike.
                var times = sessions.Select(_ => new List<double>()).ToArray();
                for (int round = 0; round < repeat; round++)
                {
                    for (int j = 0; j < sessions.Count; j++)
                    {
                        cancellation.ThrowIfCancellationRequested();
                        int c = (round + j) % sessions.Count;
                        var clock = Stopwatch.StartNew();
                        sessions[c].Run(inputs);
                        times[c].Add(clock.Elapsed.TotalMilliseconds);
                    }
                }
                var medians = times.Select(Median).ToArray();
                int best = Array.IndexOf(medians, medians.Min());
                var candidates = workload.Candidates.Select((c, i) => KeyValuePair.Create(c.Name, Math.Round(medians[i], 4)));
                return new TuningEntry(workload.Key, target, workload.Candidates[best].Name, Math.Round(medians[best], 4),
                                       ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, candidates), repeat,
                                       DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
            }
            finally
            {
                foreach (var session in sessions)
                {
                    session.Dispose();
                }
            }
        }

        /// <summary>Seeded values in [-1, 1) for every graph input: a kernel's time does not depend on them.</summary>
        private static Dictionary<string, TensorData> Inputs(Graph graph)
        {
            var random = new Random(1);
            return graph.Inputs.ToDictionary(name => name, name =>
            {
                var type = graph.TypeOf(name);
                if (type.ElementType != DataType.Float32)
                {
                    throw new InvalidOperationException($"benchmark input '{name}' is {type}; the tuner feeds float32 inputs only");
                }
                var values = new float[type.Shape.ElementCount];
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (float)(random.NextDouble() * 2 - 1);
                }
                return TensorData.FromFloats(type.Shape, values);
            }, StringComparer.Ordinal);
        }

        private static double Median(List<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        }
    }
}
