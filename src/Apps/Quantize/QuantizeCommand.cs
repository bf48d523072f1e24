using System.Collections.Immutable;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Cli;
using WasmGraph.Abstractions;
using WasmGraph.Apps.Quantize.Calibration;
using WasmGraph.Host.Cli;
using WasmGraph.Host.Hosting;
using WasmGraph.Host.IO;
using WasmGraph.Host.Pipeline;

namespace WasmGraph.Apps.Quantize;

public sealed class QuantizeSettings : HostCommandSettings
{
    [CommandArgument(0, "<MODEL>")]
    [Description("The float model to quantize (model.onnx)")]
    public string Model { get; init; } = "";

    [CommandOption("-o|--output <OUT>")]
    [Description("Where to write the QDQ model (default: MODEL with the extension .int8.onnx)")]
    public string? Output { get; init; }

    [CommandOption("--calibrate <PATH>")]
    [Description("Calibration inputs: a folder, image files (preprocessed as run --image), .npy tensors, or a .txt of sentences one a line (BERT-style models); repeatable")]
    public string[] Calibrate { get; init; } = [];

    [CommandOption("--method <METHOD>")]
    [Description("How activation ranges are chosen: minmax (default), percentile or entropy (KL)")]
    [DefaultValue("minmax")]
    public string Method { get; init; } = "minmax";

    [CommandOption("--percentile <P>")]
    [Description("For --method percentile: the percentile of each activation's values kept in range, 90 to 100 (default 99.99)")]
    [DefaultValue(99.99)]
    public double Percentile { get; init; } = 99.99;

    [CommandOption("--keep-float <NODES>")]
    [Description("Comma-separated node names (or first output names of unnamed nodes) left in float; repeatable")]
    public string[] KeepFloat { get; init; } = [];

    [CommandOption("--ops <OPS>")]
    [Description("Comma-separated op types to quantize (default Conv,MatMul,Gemm,Add,MaxPool,AveragePool,GlobalAveragePool,Concat,Gather; Gather only on a constant table)")]
    public string? Ops { get; init; }

    [CommandOption("--per-channel <BOOL>")]
    [Description("Weights with one scale per output channel (true, the default) or one per tensor (false)")]
    [DefaultValue(true)]
    public bool PerChannel { get; init; } = true;

    [CommandOption("--activations <TYPE>")]
    [Description("Activation type: u8 (default, as ONNX Runtime's QDQ quantizer) or s8")]
    [DefaultValue("u8")]
    public string Activations { get; init; } = "u8";

    [CommandOption("--quantize-outputs <WHICH>")]
    [Description("consumed (default): a quantized node's output gets a Q/DQ pair only when another quantized node reads it; all: every output, as ONNX Runtime's quantize_static")]
    [DefaultValue("consumed")]
    public string QuantizeOutputs { get; init; } = "consumed";

    public OutputQuantization ParseQuantizeOutputs() => QuantizeOutputs.ToLowerInvariant() switch
    {
        "consumed" => OutputQuantization.Consumed,
        "all" => OutputQuantization.All,
        _ => throw new WasmGraphException($"--quantize-outputs must be consumed or all, not '{Format.Untrusted(QuantizeOutputs)}'"),
    };

    [CommandOption("--prepend <MODEL>")]
    [Description("A preprocessing model the calibration inputs go through first, as compile --prepend (it is not quantized)")]
    public string? Prepend { get; init; }

    [CommandOption("--hint <KEY=VALUE>")]
    [Description("Image preprocessing for calibration photos, as compile --hint (layout, scale, mean, std, channel_order); repeatable")]
    public string[] Hints { get; init; } = [];

    [CommandOption("--vocab <FILE>")]
    [Description("The tokenizer vocabulary for sentence calibration (default: vocab.txt beside MODEL)")]
    public string? Vocab { get; init; }

    [CommandOption("--report <FILE>")]
    [Description("Also write the per-layer errors, the ranges and the summary to FILE as JSON")]
    public string? Report { get; init; }

    public static readonly string[] MethodNames = ["minmax", "percentile", "entropy"];

    public CalibrationMethodKind ParseMethod() => Method.ToLowerInvariant() switch
    {
        "minmax" => CalibrationMethodKind.MinMax,
        "percentile" => CalibrationMethodKind.Percentile,
        "entropy" => CalibrationMethodKind.Entropy,
        _ => throw new WasmGraphException($"--method must be one of: {string.Join(", ", MethodNames)}, not '{Format.Untrusted(Method)}'"),
    };

    public ActivationType ParseActivations() => Activations.ToLowerInvariant() switch
    {
        "u8" or "uint8" => ActivationType.U8,
        "s8" or "int8" => ActivationType.S8,
        _ => throw new WasmGraphException($"--activations must be u8 or s8, not '{Format.Untrusted(Activations)}'"),
    };

    public ImmutableHashSet<string> ParseOps()
    {
        if (Ops is null)
        {
            return QuantizeOptions.DefaultOps.ToImmutableHashSet(StringComparer.Ordinal);
        }
        var ops = Ops.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = ops.Where(o => !QuantizeOptions.DefaultOps.Contains(o)).ToList();
        return unknown.Count > 0 || ops.Length == 0
            ? throw new WasmGraphException($"--ops: {(ops.Length == 0 ? "no op given" : $"cannot quantize {string.Join(", ", unknown.Select(u => $"'{Format.Untrusted(u)}'"))}")}; choose from {string.Join(",", QuantizeOptions.DefaultOps)}")
            : ops.ToImmutableHashSet(StringComparer.Ordinal);
    }

    public ImmutableDictionary<string, string> ParseHints()
    {
        var hints = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var spec in Hints)
        {
            int eq = spec.IndexOf('=');
            if (eq <= 0)
            {
                throw new WasmGraphException($"--hint '{HintSchema.Printable(spec)}': expected KEY=VALUE, e.g. scale=1/255");
            }
            HintSchema.Check(spec[..eq], spec[(eq + 1)..], "--hint");
            hints[spec[..eq]] = spec[(eq + 1)..];
        }
        return hints.ToImmutable();
    }

    public string OutputPath => Output ?? Path.ChangeExtension(Model, ".int8.onnx");

    protected override IEnumerable<string?> FlagErrors() =>
    [
        SettingsChecks.Empty(Model, "MODEL"),
        Calibrate.Length == 0 ? "--calibrate is required: a folder of photos, .npy tensors or a .txt of sentences the model sees in use" : null,
        SettingsChecks.Parses(() => ParseMethod()),
        Percentile is >= 90 and <= 100 ? null : $"--percentile must be between 90 and 100, not {Percentile.ToString(CultureInfo.InvariantCulture)}",
        SettingsChecks.Parses(() => ParseActivations()),
        SettingsChecks.Parses(() => ParseOps()),
        SettingsChecks.Parses(() => ParseQuantizeOutputs()),
        SettingsChecks.Parses(() => ParseHints()),
        SettingsChecks.Empty(Prepend, "--prepend"),
        SettingsChecks.Empty(Vocab, "--vocab"),
        SettingsChecks.OutputFile(Report, "--report"),
    ];
}

/// <summary>
/// <c>quantize MODEL -o MODEL.int8.onnx --calibrate …</c>: static post-training quantization to a standard QDQ ONNX
/// model (<see cref="Quantizer"/>), which ONNX Runtime runs as it is and which <c>compile</c> takes like any model.
/// Prints the per-layer error table; <c>--report</c> writes it as JSON.
/// </summary>
public sealed class QuantizeCommand(HostConsoles consoles) : Command<QuantizeSettings>
{
    public override int Execute(CommandContext context, QuantizeSettings settings, CancellationToken cancellation)
    {
        var output = settings.OutputPath;
        InputFile.Require(settings.Model, "model file", InputFile.OnnxMaxBytes);
        OutputPath.Check(output, "-o", [settings.Model, settings.Prepend, settings.ConfigFile, settings.Vocab, .. settings.Calibrate]);
        if (settings.Report is { } report)
        {
            OutputPath.Check(report, "--report", [settings.Model, settings.Prepend, output, .. settings.Calibrate]);
        }
        var vocab = settings.Vocab ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(settings.Model))!, "vocab.txt");
        var request = new QuantizeRequest
        {
            Model = settings.Model,
            Output = output,
            Calibrate = settings.Calibrate,
            Method = settings.ParseMethod(),
            Percentile = settings.Percentile,
            Prepend = settings.Prepend,
            Hints = settings.ParseHints(),
            Vocab = settings.Vocab is not null || File.Exists(vocab) ? vocab : null,
            Options = new QuantizeOptions
            {
                Ops = settings.ParseOps(),
                KeepFloat = settings.KeepFloat.SelectMany(k => k.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToImmutableHashSet(StringComparer.Ordinal),
                PerChannel = settings.PerChannel,
                Activations = settings.ParseActivations(),
                QuantizeOutputs = settings.ParseQuantizeOutputs(),
            },
        };

        var clock = Stopwatch.StartNew();
        QuantizeResult result;
        if (settings.ShowsProgress(consoles) && consoles.Error.Profile.Capabilities is { Interactive: true, Ansi: true })
        {
            result = null!;
            consoles.Error.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("calibrating", maxValue: 1);
                    result = Quantizer.Run(request, (done, total, pass, source) =>
                    {
                        task.MaxValue = total;
                        task.Value = done;
                        task.Description = Markup.Escape($"calibrating{(pass > 1 ? " (histograms)" : "")} {done}/{total} {Format.Untrusted(Path.GetFileName(source), 40)}");
                    }, cancellation);
                });
        }
        else
        {
            bool show = settings.ShowsProgress(consoles);
            result = Quantizer.Run(request, (done, total, pass, source) =>
            {
                if (show && (done == total || done % Math.Max(1, total / 10) == 0))
                {
                    consoles.Error.MarkupLine(Markup.Escape($"calibration{(pass > 1 ? " (histograms)" : "")}: {done}/{total}"));
                }
            }, cancellation);
        }

        foreach (var note in result.Notes.Where(_ => !settings.Quiet))
        {
            consoles.Error.MarkupLine(Markup.Escape(note));
        }
        consoles.Out.Write(LayerTable(result.Layers));
        var s = result.Summary;
        consoles.Out.MarkupLine(Markup.Escape(
            $"quantized {s.QuantizedNodes} node(s): {s.Weights} weight(s) int8 {(request.Options.PerChannel ? "per channel" : "per tensor")}, " +
            $"{s.Int32Biases} bias(es) int32{(s.FloatBiases.Count > 0 ? $", {s.FloatBiases.Count} kept float (out of int32 range)" : "")}, " +
            $"{s.QuantizedActivations} activation(s) {request.Options.Activations.ToString().ToLowerInvariant()}, {s.FusedRelus} Relu(s) folded into the quantizer; " +
            $"{settings.ParseMethod().ToString().ToLowerInvariant()} calibration on {result.Samples} sample(s)"));
        consoles.Out.MarkupLine(Markup.Escape(
            $"wrote {Path.GetFullPath(output)}: {Format.Bytes(result.OutputBytes)} ({(double)result.OutputBytes / Math.Max(1, result.InputBytes):0.00}× of {Format.Bytes(result.InputBytes)}) in {clock.Elapsed.TotalSeconds:F1} s"));
        if (settings.Report is { } reportPath)
        {
            AtomicFile.WriteAllBytes(reportPath, Report(settings, request, result), cancellation);
        }
        return ErrorReporter.Ok;
    }

    private static Table LayerTable(IReadOnlyList<LayerError> layers)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("per-layer error on the first calibration sample (quantized vs float)")
            .AddColumn("node").AddColumn("op").AddColumn(new TableColumn("SQNR dB").RightAligned())
            .AddColumn(new TableColumn("relative error").RightAligned()).AddColumn(new TableColumn("max |error|").RightAligned());
        foreach (var layer in layers)
        {
            table.AddRow(Format.UntrustedMarkup(layer.Node, 60), layer.Op, layer.SqnrDb.ToString("0.0", CultureInfo.InvariantCulture),
                         layer.RelativeError.ToString("0.0000", CultureInfo.InvariantCulture), Format.Number(layer.MaxAbsError));
        }
        return table;
    }

    private static byte[] Report(QuantizeSettings settings, QuantizeRequest request, QuantizeResult result)
    {
        static JsonNode? Number(double v) => double.IsFinite(v) ? JsonValue.Create(v) : JsonValue.Create(double.IsNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
        var s = result.Summary;
        var json = new JsonObject
        {
            ["schemaVersion"] = 1,
            ["command"] = "quantize",
            ["model"] = settings.Model,
            ["output"] = request.Output,
            ["method"] = settings.ParseMethod().ToString().ToLowerInvariant(),
            ["percentile"] = request.Method == CalibrationMethodKind.Percentile ? request.Percentile : null,
            ["activations"] = request.Options.Activations.ToString().ToLowerInvariant(),
            ["perChannel"] = request.Options.PerChannel,
            ["quantizeOutputs"] = request.Options.QuantizeOutputs.ToString().ToLowerInvariant(),
            ["samples"] = result.Samples,
            ["inputBytes"] = result.InputBytes,
            ["outputBytes"] = result.OutputBytes,
            ["quantizedNodes"] = s.QuantizedNodes,
            ["quantizedActivations"] = s.QuantizedActivations,
            ["int8Weights"] = s.Weights,
            ["int32Biases"] = s.Int32Biases,
            ["floatBiases"] = new JsonArray(s.FloatBiases.Select(b => (JsonNode)JsonValue.Create(b)!).ToArray()),
            ["fusedRelus"] = s.FusedRelus,
            ["layers"] = new JsonArray(result.Layers.Select(l => (JsonNode)new JsonObject
            {
                ["node"] = l.Node,
                ["op"] = l.Op,
                ["tensor"] = l.Tensor,
                ["sqnrDb"] = Number(l.SqnrDb),
                ["relativeError"] = Number(l.RelativeError),
                ["maxAbsError"] = Number(l.MaxAbsError),
            }).ToArray()),
            ["ranges"] = new JsonArray(result.Ranges.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => (JsonNode)new JsonObject
            {
                ["tensor"] = r.Key,
                ["min"] = r.Value.Min,
                ["max"] = r.Value.Max,
            }).ToArray()),
        };
        return JsonSerializer.SerializeToUtf8Bytes(json, new JsonSerializerOptions { WriteIndented = true });
    }
}
