using System.Collections.Immutable;
using System.ComponentModel;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.Configuration;
using WasmGraph.Host.Hosting;
using WasmGraph.Host.IO;
using WasmGraph.Host.Pipeline;
using WasmGraph.Host.Plugins;

namespace WasmGraph.Host.Cli;

public sealed class CompileSettings : HostCommandSettings
{
    [CommandArgument(0, "<MODEL>")]
    [Description("The model to compile (model.onnx)")]
    public string Model { get; init; } = "";

    [CommandOption("-o|--output <OUT>")]
    [Description("Where to write the module (default: MODEL with the extension .wasm)")]
    public string? Output { get; init; }

    [CommandOption("--opt-level <N>")]
    [Description("LLVM optimisation level 0-3 (also -O0 … -O3); default from Pipeline:Backend:OptLevel")]
    public int? OptLevel { get; init; }

    [CommandOption("--passes <LIST>")]
    [Description("Comma-separated pass pipeline replacing Pipeline:Passes (\"\" for none)")]
    public string? Passes { get; init; }

    [CommandOption("--input-shape <NAME=DIMS>")]
    [Description("Pin an input's shape, e.g. input=1,3,224,224 (repeatable). A dimension written LO..HI (input_ids=1,1..128) " +
                 "takes any extent in that range at run time: one module, memory planned at HI, loops stopped at the extent; " +
                 "inputs that share the model's dim_param share it; one range per module (docs/abi.md, \"Bounded dynamic inputs\")")]
    public string[] InputShapes { get; init; } = [];

    [CommandOption("--bind <NAME=FILE.npy>")]
    [Description("Freeze an input to the value in a .npy file, e.g. pads=pads.npy: it becomes a constant, what is computed from it folds, and the module no longer takes it (repeatable; recorded in the metadata)")]
    public string[] Bindings { get; init; } = [];

    [CommandOption("--verify-each")]
    [Description("Verify the IR after the frontend and after every pass")]
    public bool VerifyEach { get; init; }

    [CommandOption("--deterministic")]
    [Description("Bit-reproducible arithmetic (plain mul+add instead of relaxed FMA)")]
    public bool Deterministic { get; init; }

    [CommandOption("--threads <N>")]
    [Description("Emit a threaded module that runs one inference on 1..N workers (2..64, or max = 16) over a shared memory; run it with 'run --threads K'. Default 1: the single-threaded, import-free module (docs/abi.md \"Threaded modules\")")]
    public string? Threads { get; init; }

    /// <summary>The <c>--threads</c> worker count: null without the flag; "max" is <see cref="ModuleAbi.DefaultMaxThreads"/>.</summary>
    public int? ParseThreads()
    {
        if (Threads is null)
        {
            return null;
        }
        if (Threads == "max")
        {
            return ModuleAbi.DefaultMaxThreads;
        }
        return int.TryParse(Threads, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= ModuleAbi.MaxThreads
            ? n
            : throw new WasmGraphException($"--threads '{Threads}': expected a worker count from 1 to {ModuleAbi.MaxThreads}, or 'max' ({ModuleAbi.DefaultMaxThreads})");
    }

    [CommandOption("--tuning <FILE>")]
    [Description("Apply a tuning log written by 'wasmgraph tune' (its entries for this target choose each layer's kernel); sets Pipeline:Backend:Tuning")]
    public string? Tuning { get; init; }

    [CommandOption("--target <PROFILE>")]
    [Description("relaxed (relaxed-SIMD, the default), simd128 (plain SIMD128), mvp (WebAssembly 1.0, no SIMD), or all: " +
                 "all three, as OUT, OUT's name + .simd128.wasm and + .mvp.wasm (docs/targets.md)")]
    public string? Target { get; init; }

    /// <summary>The profiles <c>--target</c> names (none without it: the configured Pipeline:Backend:Features apply).</summary>
    public ImmutableArray<TargetProfile> ParseTargets() => Target is null ? [] : TargetProfiles.Parse(Target, "--target");

    [CommandOption("--dump-ir <STAGE>")]
    [Description("Print the IR after 'frontend', a pass name, or 'all'")]
    public string? DumpIr { get; init; }

    [CommandOption("--prepend <MODEL>")]
    [Description("A preprocessing model whose outputs feed MODEL's inputs; both are compiled into one module")]
    public string? Prepend { get; init; }

    [CommandOption("--hint <KEY=VALUE>")]
    [Description("A preprocessing hint stored in the module metadata (layout, scale, mean, std, channel_order, labels); repeatable")]
    public string[] Hints { get; init; } = [];

    /// <summary>The <c>--hint</c>s, each checked against <see cref="HintSchema"/> (known key, value grammar) before anything runs.</summary>
    public ImmutableDictionary<string, string> ParseHints()
    {
        var hints = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var spec in Hints)
        {
            int eq = spec.IndexOf('=');
            if (eq <= 0)
            {
                throw new WasmGraphException($"--hint '{HintSchema.Printable(spec)}': expected KEY=VALUE, e.g. layout=NCHW");
            }
            var (key, value) = (spec[..eq], spec[(eq + 1)..]);
            HintSchema.Check(key, value, "--hint");
            if (hints.TryGetValue(key, out var earlier) && earlier != value)
            {
                throw new WasmGraphException($"--hint {key} is given twice ({HintSchema.Printable(earlier)} and {HintSchema.Printable(value)})");
            }
            hints[key] = value;
        }
        return hints.ToImmutable();
    }

    protected override IEnumerable<string?> FlagErrors() =>
    [
        SettingsChecks.Empty(Model, "MODEL"),
        OptLevel is < 0 or > 3 ? "--opt-level must be 0, 1, 2 or 3" : null,
        SettingsChecks.Empty(Prepend, "--prepend"),
        SettingsChecks.Empty(Tuning, "--tuning"),
        SettingsChecks.Parses(() => ParseThreads()),
        SettingsChecks.Empty(Target, "--target", "a profile: " + string.Join(", ", TargetProfiles.OptionValues)) ?? SettingsChecks.Parses(() => ParseTargets()),
    ];

    /// <summary>The <c>--bind</c> files by input name, each name given once.</summary>
    public ImmutableDictionary<string, string> ParseBindings()
    {
        var files = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var spec in Bindings)
        {
            int eq = spec.LastIndexOf('=');
            if (eq <= 0 || eq == spec.Length - 1)
            {
                throw new WasmGraphException($"--bind '{spec}': expected NAME=FILE.npy, e.g. pads=pads.npy");
            }
            if (!files.TryAdd(spec[..eq], spec[(eq + 1)..]))
            {
                throw new WasmGraphException($"--bind names '{spec[..eq]}' twice");
            }
        }
        return files.ToImmutable();
    }

    public ImmutableDictionary<string, ImmutableArray<long>> ParseInputShapes() => ParseInputShapes(InputShapes);

    /// <summary>The <c>--input-shape</c> specs of compile and tune, checked: each input's shape at the bound.</summary>
    public static ImmutableDictionary<string, ImmutableArray<long>> ParseInputShapes(IEnumerable<string> specs) => ParseInputShapeRanges(specs).Bounds;

    /// <summary>
    /// The <c>--input-shape</c> specs, checked: each input's shape at the bound, and for the inputs with a range
    /// (<c>input_ids=1,1..128</c>: 1 ≤ lo ≤ hi) their smallest shape.
    /// </summary>
    public static (ImmutableDictionary<string, ImmutableArray<long>> Bounds, ImmutableDictionary<string, ImmutableArray<long>> Minimums)
        ParseInputShapeRanges(IEnumerable<string> specs)
    {
        var shapes = ImmutableDictionary.CreateBuilder<string, ImmutableArray<long>>(StringComparer.Ordinal);
        var minimums = ImmutableDictionary.CreateBuilder<string, ImmutableArray<long>>(StringComparer.Ordinal);
        static long Number(string text) => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1;
        foreach (var spec in specs)
        {
            int eq = spec.LastIndexOf('=');
            var dims = eq <= 0 ? null : spec[(eq + 1)..].Split(',', StringSplitOptions.TrimEntries).Select(d =>
            {
                int range = d.IndexOf("..", StringComparison.Ordinal);
                if (range < 0)
                {
                    long v = Number(d);
                    return (Low: v, High: v);
                }
                long low = Number(d[..range]), high = Number(d[(range + 2)..]);
                return low >= 1 && high >= low ? (Low: low, High: high) : (Low: -1L, High: -1L);
            }).ToArray();
            if (dims is null || dims.Length == 0 || dims.Any(d => d.Low < 0))
            {
                throw new WasmGraphException(
                    $"--input-shape '{spec}': expected NAME=D1,D2,… with non-negative integers, or a run-time range LO..HI (1 ≤ LO ≤ HI), " +
                    "e.g. input=1,3,224,224 or input_ids=1,1..128");
            }
            shapes[spec[..eq]] = dims.Select(d => d.High).ToImmutableArray();
            if (dims.Any(d => d.Low != d.High))
            {
                minimums[spec[..eq]] = dims.Select(d => d.Low).ToImmutableArray();
            }
        }
        return (shapes.ToImmutable(), minimums.ToImmutable());
    }
}

/// <summary><c>compile MODEL -o OUT.wasm</c>: runs the configured pipeline and prints a per-stage summary.</summary>
public sealed class CompileCommand(WasmGraphHostFactory hosts, HostConsoles consoles) : AsyncCommand<CompileSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, CompileSettings settings, CancellationToken cancellation)
    {
        var overrides = new Dictionary<string, string?>();
        if (settings.OptLevel is { } level)
        {
            overrides["Pipeline:Backend:OptLevel"] = level.ToString(CultureInfo.InvariantCulture);
        }
        if (settings.Deterministic)
        {
            overrides["Pipeline:Backend:Deterministic"] = "true";
        }
        if (settings.ParseThreads() is { } threads)
        {
            overrides["Pipeline:Backend:Threads"] = threads.ToString(CultureInfo.InvariantCulture);
        }
        if (settings.Tuning is { } tuning)
        {
            overrides["Pipeline:Backend:Tuning"] = Path.GetFullPath(tuning);
        }
        var hostSettings = settings.ToHostSettings(PipelineStages.Compile) with
        {
            Overrides = overrides,
            Passes = settings.Passes is null ? null : PassListResolver.Parse(settings.Passes),
        };
        var bindFiles = settings.ParseBindings();
        var request = new CompileRequest(settings.Model, settings.Output ?? Path.ChangeExtension(settings.Model, ".wasm"))
        {
            InputShapes = settings.ParseInputShapes(),
            InputShapeMinimums = CompileSettings.ParseInputShapeRanges(settings.InputShapes).Minimums,
            Bindings = bindFiles.ToImmutableDictionary(b => b.Key, b => NpyFile.Read(b.Value), StringComparer.Ordinal),
            VerifyEach = settings.VerifyEach,
            DumpIrAfter = settings.DumpIr,
            PrependModelPath = settings.Prepend,
            Hints = settings.ParseHints(),
            Targets = settings.ParseTargets(),
        };
        CheckFiles(settings, request.OutputPaths, bindFiles.Values);

        using var host = await hosts.StartAsync(hostSettings, cancellation).ConfigureAwait(false);
        var pipeline = host.Services.GetRequiredService<CompilePipeline>();
        var observer = new CompileObserver
        {
            DumpIr = (stage, graph) =>
            {
                consoles.Out.MarkupLine($"[grey]// IR after {Markup.Escape(stage)}: {graph.Nodes.Length} nodes, {graph.Constants.Count} constants " +
                                         $"({Markup.Escape(Format.Bytes(graph.ConstantBytes))})[/]");
                consoles.Out.WriteLine(graph.Print());
            },
        };
        // A live display would interleave with dumped IR on stdout and with --verbose log lines on stderr.
        bool live = consoles.ErrorIsTerminal && consoles.Error.Profile.Capabilities is { Interactive: true, Ansi: true } && !settings.Verbose && request.DumpIrAfter is null;
        var result = settings.ShowsProgress(consoles)
            ? CompileProgress.Run(consoles.Error, live, observer, o => pipeline.Compile(request, o, cancellation))
            : pipeline.Compile(request, observer, cancellation);
        if (!settings.Quiet)
        {
            CompileReport.Write(consoles.Out, result, pipeline.Options, settings.Verbose);
        }
        if (settings.Verbose)
        {
            CompileReport.WriteKernelChoices(consoles.Out, result, TuningNote(host.Services, pipeline, request.Targets));
        }
        return 0;
    }

    /// <summary>
    /// Before any work, even before the host and its plugins start (so a typo in the model's path is reported as that,
    /// whatever the plugins folder holds): the model and the --prepend model are regular files ONNX can hold, and the
    /// output is a regular file or a new path that is none of the files this command reads (the model, --prepend,
    /// --config). <see cref="CompilePipeline"/> checks the inputs again for its other callers (the demo, tests).
    /// </summary>
    private static void CheckFiles(CompileSettings settings, IEnumerable<string> outputs, IEnumerable<string> bindFiles)
    {
        InputFile.Require(settings.Model, "model file", InputFile.OnnxMaxBytes);
        if (settings.Tuning is { } tuning)
        {
            InputFile.Require(tuning, "tuning file", TuningLog.MaxBytes);
        }
        if (settings.Prepend is { } prepend)
        {
            InputFile.Require(prepend, "--prepend model", InputFile.OnnxMaxBytes);
        }
        foreach (var output in outputs)
        {
            OutputPath.Check(output, "-o", [settings.Model, settings.Prepend, settings.ConfigFile, settings.Tuning, .. bindFiles]);
        }
    }

    /// <summary>For --verbose: which tuning log applied and how many of its entries are for this target (the rest are ignored).</summary>
    private static string? TuningNote(IServiceProvider services, CompilePipeline pipeline, ImmutableArray<TargetProfile> profiles)
    {
        var options = pipeline.BackendOptionsFor(CancellationToken.None);
        if (options.Tuning is not { } log)
        {
            return null;
        }
        var backend = services.GetRequiredService<ComponentCatalog>().Require<IBackend>(pipeline.Options.Backend.Name, "Pipeline:Backend:Name");
        // --target compiles for its profiles' features, not the configured ones: each profile reads its own entries.
        var targets = profiles.IsDefaultOrEmpty
            ? [backend.TuningTarget(options)]
            : profiles.Select(p => backend.TuningTarget(options with { Features = p.Features })).ToList();
        return string.Join("\n", targets.Select(target =>
        {
            int applies = log.Entries.Count(e => e.Target == target);
            return $"tuning log {log.Source}: {applies} entr{(applies == 1 ? "y" : "ies")} for target '{target}' applied where their shapes occur; " +
                   $"{log.Entries.Length - applies} for other targets ignored";
        }));
    }
}
