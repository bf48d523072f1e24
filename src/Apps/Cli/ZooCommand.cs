using System.ComponentModel;
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Cli;
using WasmGraph.Abstractions;
using WasmGraph.Host.Cli;
using WasmGraph.Host.Hosting;
using WasmGraph.Host.IO;
using WasmGraph.Host.Pipeline;
using WasmGraph.Apps.Zoo;

namespace WasmGraph.Apps.Cli;

public sealed class ZooSettings : CommandSettings
{
    [CommandArgument(0, "<NAME>")]
    [Description("The topology: resnet50, mobilenetv2, squeezenet1.1 or lenet5")]
    public string Name { get; init; } = "";

    [CommandOption("-o|--output <FILE>")]
    [Description("Where to write the .onnx model")]
    public string? Output { get; init; }

    [CommandOption("--seed <N>")]
    [Description("Seed of the random weights; the same seed always writes the same bytes")]
    [DefaultValue(1)]
    public int Seed { get; init; } = 1;

    public override ValidationResult Validate()
        => Output is null ? ValidationResult.Error("missing -o|--output FILE.onnx")
         : SettingsChecks.FirstError([SettingsChecks.Empty(Name, "NAME", "a model name, e.g. lenet5"), SettingsChecks.OutputFile(Output, "-o")]);
}

/// <summary>
/// <c>zoo</c>: writes a standard CNN topology (exact published shapes, BatchNormalization with plausible statistics,
/// seeded He-scaled weights) as ONNX. No trained ImageNet or MNIST model is reachable from our registries; these give
/// benchmarks and parity tests the real architectures. The file is written atomically.
/// </summary>
public sealed class ZooCommand : Command<ZooSettings>
{
    private readonly HostConsoles _consoles;

    public ZooCommand(HostConsoles consoles) => _consoles = consoles;

    public override int Execute(CommandContext context, ZooSettings settings, CancellationToken cancellation)
    {
        var model = ZooCatalog.Find(settings.Name)
            ?? throw new WasmGraphException($"unknown zoo model '{settings.Name}'; available: {string.Join(", ", ZooCatalog.All.Select(m => m.Name))}");
        OutputPath.Check(settings.Output, "-o", []);
        var clock = Stopwatch.StartNew();
        var graph = model.Build(settings.Seed);
        var bytes = graph.ToOnnx(typeof(ZooCommand).Assembly.GetName().Version?.ToString() ?? "");
        cancellation.ThrowIfCancellationRequested();
        AtomicFile.WriteAllBytes(settings.Output!, bytes, cancellation);
        _consoles.Out.MarkupLine(
            $"wrote [blue]{Markup.Escape(settings.Output!)}[/]: {Markup.Escape(model.Description)}, {graph.NodeCount} nodes, " +
            $"{graph.ParameterCount:N0} parameters ({bytes.LongLength:N0} B), seed {settings.Seed}, {clock.Elapsed.TotalMilliseconds:F0} ms");
        return ErrorReporter.Ok;
    }
}
