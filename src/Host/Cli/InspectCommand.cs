using System.ComponentModel;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.Hosting;
using WasmGraph.Host.Configuration;
using WasmGraph.Host.IO;
using WasmGraph.Host.Plugins;
using WasmGraph.Onnx;

namespace WasmGraph.Host.Cli;

public sealed class InspectSettings : JsonCommandSettings
{
    [CommandArgument(0, "<FILE>")]
    [Description("An ONNX model (.onnx) or a compiled module (.wasm)")]
    public string File { get; init; } = "";

    protected override IEnumerable<string?> FlagErrors() => [SettingsChecks.Empty(File, "FILE")];
}

/// <summary>
/// <c>inspect FILE</c>: what is in a model or a module. It reads the files directly (protobuf wire format, wasm
/// sections), so it also works on models the frontend cannot compile yet; only the activation estimate of an ONNX
/// model asks the frontend plugin for shapes, and says why when it cannot. For a module, the op histogram and FLOPs
/// come from the metadata's kernel list, so they describe what the module really runs (after fusion).
/// </summary>
public sealed class InspectCommand : Command<InspectSettings>
{
    private readonly IAnsiConsole _out;
    private readonly HostConsoles _consoles;
    private readonly WasmGraphHostFactory _hosts;

    public InspectCommand(HostConsoles consoles, WasmGraphHostFactory hosts)
    {
        _out = consoles.Out;
        _consoles = consoles;
        _hosts = hosts;
    }

    public override int Execute(CommandContext context, InspectSettings settings, CancellationToken cancellation)
    {
        var path = settings.File;
        // Either kind is read whole into one array, so the array limit (just under 2 GiB) bounds both.
        var bytes = InputFile.ReadAllBytes(path, "file", InputFile.ModuleMaxBytes);
        if (bytes.Length == 0)
        {
            throw new WasmGraphException($"{path}: empty file (0 bytes): neither an ONNX model nor a WebAssembly module");
        }
        bool isWasm = bytes.Length >= 4 && bytes[0] == 0 && bytes[1] == (byte)'a' && bytes[2] == (byte)'s' && bytes[3] == (byte)'m';
        if (settings.Json)
        {
            CliJson.Write(_consoles, isWasm ? InspectDocument.ForWasm(path, bytes) : InspectDocument.ForOnnx(path, bytes, ParseOnnx(path, bytes), ActivationEstimate(path, settings)));
        }
        else if (isWasm)
        {
            ShowWasm(path, bytes);
        }
        else
        {
            ShowOnnx(path, bytes, settings);
        }
        return 0;
    }

    private static OnnxModelSummary ParseOnnx(string path, byte[] bytes)
    {
        try
        {
            return OnnxModelSummary.Parse(bytes);
        }
        catch (WasmGraphException e)
        {
            throw new ModelException($"neither a WebAssembly module nor a readable ONNX model: {e.Message}", path, inner: e);
        }
    }

    private void ShowOnnx(string path, byte[] bytes, InspectSettings settings)
    {
        var model = ParseOnnx(path, bytes);
        var about = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumns("key", "value").Title(Format.UntrustedMarkup(Path.GetFileName(path)));
        about.AddRow("graph", Format.UntrustedMarkup(model.GraphName));
        about.AddRow("producer", Format.UntrustedMarkup($"{model.Producer} {model.ProducerVersion}".Trim()));
        about.AddRow("IR version", $"{model.IrVersion}");
        about.AddRow("opsets", Format.UntrustedMarkup(string.Join(", ", model.Opsets.Select(o => $"{Format.Untrusted(o.Key)} {o.Value}")), maxLength: 1000));
        about.AddRow("nodes", Format.Count(model.NodeCount));
        about.AddRow("parameters", $"{Format.Count(model.ParameterCount)} in {model.InitializerCount} initializers, {Format.Bytes(model.ParameterBytes)}");
        about.AddRow("activations", Format.UntrustedMarkup(ActivationEstimate(path, settings).Text, maxLength: 1000));
        about.AddRow("file size", Format.Bytes(bytes.LongLength));
        if (DynamicAxes(model) is { } dynamic)
        {
            about.AddRow("dynamic axes", Format.UntrustedMarkup(dynamic, maxLength: 1000));
        }
        foreach (var (key, value) in model.MetadataProps)
        {
            about.AddRow(Format.UntrustedMarkup(key), Format.UntrustedMarkup(value));
        }
        _out.Write(about);

        var io = new Table().Border(TableBorder.Rounded).AddColumns("", "name", "dtype", "shape");
        foreach (var input in model.Inputs)
        {
            io.AddRow("input", Format.UntrustedMarkup(input.Name), Format.UntrustedMarkup(input.DType), Format.UntrustedMarkup("[" + string.Join(",", input.Dims) + "]"));
        }
        foreach (var output in model.Outputs)
        {
            io.AddRow("output", Format.UntrustedMarkup(output.Name), Format.UntrustedMarkup(output.DType), Format.UntrustedMarkup("[" + string.Join(",", output.Dims) + "]"));
        }
        _out.Write(io);

        var ops = new Table().Border(TableBorder.Rounded).Title("op histogram").AddColumn("op").AddColumn(new TableColumn("count").RightAligned());
        foreach (var (op, count) in model.OpHistogram.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            ops.AddRow(Format.UntrustedMarkup(op), $"{count}");
        }
        _out.Write(ops);
    }

    /// <summary>
    /// The inputs' symbolic axes (ONNX dim_params such as <c>batch</c> and <c>sequence</c>, or unnamed ones), each with
    /// the inputs that have it, and the flag that fixes or bounds them; null when every input is static.
    /// </summary>
    internal static string? DynamicAxes(OnnxModelSummary model)
    {
        var axes = model.Inputs
            .SelectMany(i => i.Dims.Select((d, axis) => (Input: i.Name, Dim: d, Axis: axis)))
            .Where(x => !long.TryParse(x.Dim, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
            .GroupBy(x => x.Dim, StringComparer.Ordinal)
            .Select(g => $"{g.Key} ({string.Join(", ", g.Select(x => $"{x.Input}[{x.Axis}]"))})")
            .ToList();
        return axes.Count == 0
            ? null
            : $"{string.Join("; ", axes)} — compile with --input-shape NAME=… to pin them, or a range LO..HI (e.g. 1..128) for one module that takes any extent in it";
    }

    private void ShowWasm(string path, byte[] bytes)
    {
        var meta = WasmModuleReader.ReadMetadata(bytes, path);
        var about = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumns("key", "value").Title(Format.UntrustedMarkup(Path.GetFileName(path)));
        about.AddRow("model", Format.UntrustedMarkup(meta.Name));
        about.AddRow("producer", Format.UntrustedMarkup(meta.Producer));
        about.AddRow("opset", $"{meta.Opset}");
        about.AddRow("ABI version", $"{meta.Abi}");
        about.AddRow("target", meta.Target is null ? "not recorded (the module predates target profiles)"
                                                   : $"{Format.UntrustedMarkup(meta.Target)} ({Format.UntrustedMarkup(meta.Features ?? "")})");
        about.AddRow("module size", Format.Bytes(bytes.LongLength));
        about.AddRow("weights", Format.Bytes(meta.WeightBytes));
        about.AddRow("arena (peak activation memory)", Format.Bytes(meta.ArenaBytes));
        if (meta.ScratchBytes is { } scratch)
        {
            about.AddRow("  of which kernel scratch", Format.Bytes(scratch)); // 0 when every scratch buffer fits in a gap
        }
        about.AddRow("kernels", meta.Kernels.IsEmpty
            ? "not recorded (the module predates the kernel list)"
            : $"{meta.Kernels.Length}, {Format.Flops(meta.Kernels.Sum(k => (double)k.Flops))} per run");
        if (meta.Threads is int threads)
        {
            about.AddRow("threads", $"up to {threads} workers; {meta.Kernels.Count(k => k.Split > 0)} of {meta.Kernels.Length} kernels split"); // the rest run on worker 0
        }
        foreach (var (key, value) in meta.Hints.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            about.AddRow($"hint {Format.UntrustedMarkup(key)}", Format.UntrustedMarkup(value));
        }
        foreach (var bound in meta.Bound)
        {
            about.AddRow($"bound {Format.UntrustedMarkup(bound.Name)}", Format.UntrustedMarkup($"{bound.DType}[{string.Join(",", bound.Shape)}] sha256 {bound.Sha256} (--bind)"));
        }
        _out.Write(about);

        var io = new Table().Border(TableBorder.Rounded).AddColumns("", "#", "name", "dtype", "shape", "bytes");
        AddTensors(io, "input", meta.Inputs);
        AddTensors(io, "output", meta.Outputs);
        _out.Write(io);

        if (!meta.Kernels.IsEmpty)
        {
            _out.Write(KernelHistogram(meta.Kernels));
        }
        if (CompileReport.KernelChoiceTable(meta.Kernels) is { } choices)
        {
            _out.Write(choices);
        }

        var sections = new Table().Border(TableBorder.Rounded).AddColumn("section").AddColumn(new TableColumn("size").RightAligned());
        foreach (var section in WasmModuleReader.Sections(bytes, path))
        {
            sections.AddRow(Format.UntrustedMarkup(section.Describe()), Format.Bytes(section.Length));
        }
        _out.Write(sections);
    }

    /// <summary>Kernels by op, most FLOPs first: where a run's time can go.</summary>
    private static Table KernelHistogram(IReadOnlyList<KernelInfo> kernels)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("op histogram (compiled kernels)")
            .AddColumn("op").AddColumn(new TableColumn("kernels").RightAligned())
            .AddColumn(new TableColumn("work").RightAligned()).AddColumn(new TableColumn("share").RightAligned());
        double total = Math.Max(1, kernels.Sum(k => (double)k.Flops));
        foreach (var group in kernels.GroupBy(k => k.Op).OrderByDescending(g => g.Sum(k => k.Flops)).ThenBy(g => g.Key, StringComparer.Ordinal))
        {
            double flops = group.Sum(k => (double)k.Flops);
            table.AddRow(Format.UntrustedMarkup(group.Key), $"{group.Count()}",
                         Format.Flops(flops), (flops / total).ToString("P1", CultureInfo.InvariantCulture));
        }
        return table;
    }

    /// <summary>
    /// Peak live activation bytes of the model as the frontend imports it, or why it is not known. The frontend is the
    /// only component that knows every intermediate shape, so this is the one part of inspect that loads plugins.
    /// </summary>
    private ActivationEstimate ActivationEstimate(string path, InspectSettings settings)
    {
        try
        {
            using var host = _hosts.Build(settings.ToHostSettings(PipelineStages.None));
            var frontend = host.Services.GetRequiredService<ComponentCatalog>().Frontends.FirstOrDefault(f => f.CanLoad(path));
            if (frontend is null)
            {
                return new(null, "unknown (no frontend plugin reads this file)");
            }
            using var stream = System.IO.File.OpenRead(path);
            var graph = frontend.Load(stream, new FrontendOptions { SourceName = path, Registry = host.Services.GetRequiredService<OpRegistry>() });
            long peak = MemoryPlanner.PeakLiveBytes(graph);
            return new(peak, $"{Format.Bytes(peak)} peak live (the arena before fusion needs at least this)");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Any failure of the frontend only costs this one figure: inspect exists for models that do not compile yet.
            return new(null, $"unknown (frontend: {e.Message.Split('\n')[0]})");
        }
    }

    private static void AddTensors(Table table, string kind, IEnumerable<TensorInfo> tensors)
    {
        int index = 0;
        foreach (var t in tensors)
        {
            // A bounded output shows its bound, with "≤" on the axes whose extent each run reports, and a dynamic
            // input (or an output that follows it) its range, [1,1..128] (docs/abi.md).
            var shape = t.IsBounded ? t.DescribeShape() : Format.Shape(t.Shape, t.DynamicDims);
            var bytes = t.IsBounded ? $"≤{Format.Count(t.ByteSize)}" : Format.Count(t.ByteSize);
            table.AddRow(kind, $"{index++}", Format.UntrustedMarkup(t.Name), Format.UntrustedMarkup(t.DType), Format.UntrustedMarkup(shape), bytes);
        }
    }
}
