using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace WasmGraph.Host.Cli;

public sealed class RunSettings : JsonCommandSettings
{
    [CommandArgument(0, "<MODULE>")]
    [Description("A module compiled by WasmGraph (model.wasm)")]
    public string Module { get; init; } = "";

    [CommandOption("-i|--input <NAME=FILE>")]
    [Description("An input from a .npy file (repeatable); NAME= may be left out when the module has one input")]
    public string[] Inputs { get; init; } = [];

    [CommandOption("--image <FILE>")]
    [Description("Feed a photo to the (first remaining) image input: decoded, resized bilinearly, normalised")]
    public string? Image { get; init; }

    [CommandOption("--layout <LAYOUT>")]
    [Description("NCHW or NHWC (default: the module's hint, else guessed from the shape, else NCHW)")]
    public string? Layout { get; init; }

    [CommandOption("--scale <F>")]
    [Description("Pixel scale, a number or a fraction like 1/255 (default: hint, else 1/255)")]
    public string? Scale { get; init; }

    [CommandOption("--mean <A,B,C>")]
    [Description("Per-channel mean subtracted after scaling (default: hint, else ImageNet 0.485,0.456,0.406)")]
    public string? Mean { get; init; }

    [CommandOption("--std <A,B,C>")]
    [Description("Per-channel std divided by (default: hint, else ImageNet 0.229,0.224,0.225)")]
    public string? Std { get; init; }

    [CommandOption("--channel-order <ORDER>")]
    [Description("RGB or BGR (default: hint, else RGB)")]
    public string? ChannelOrder { get; init; }

    [CommandOption("--output-dir <DIR>")]
    [Description("Write each output to DIR/<output-name>.npy")]
    public string? OutputDir { get; init; }

    [CommandOption("--labels <FILE|NAME>")]
    [Description("Print the top-5 classes of a class-score output: a file with one label per line, or a fetched label set by name (imagenet)")]
    public string? Labels { get; init; }

    [CommandOption("--reference <MODEL>")]
    [Description("Also run this ONNX model in ONNX Runtime and print the max abs difference per output; repeat it to chain models (a preprocessing model first), as compile --prepend does")]
    public string[] Reference { get; init; } = [];

    [CommandOption("--repeat <N>")]
    [Description("Run N times and report the median time (default 1)")]
    public int Repeat { get; init; } = 1;

    [CommandOption("--batch-parallel <N>")]
    [Description("Also measure throughput: N independent instances running at once, one thread each (images/s)")]
    public int? BatchParallel { get; init; }

    [CommandOption("--timeout <SECONDS>")]
    [Description("Wall-clock limit for one run, checked inside the module (costs 10–45 % speed). Without it, all runs together have ten minutes, enforced from outside at no cost")]
    public double? TimeoutSeconds { get; init; }

    [CommandOption("--threads <K>")]
    [Description("Workers for one inference of a threaded module (compile --threads N): 1 (the default) up to N")]
    public int Threads { get; init; } = 1;

    [CommandOption("--max-memory <MB>")]
    [Description("Upper bound on the module's linear memory, in MiB")]
    public long? MaxMemoryMb { get; init; }

    protected override IEnumerable<string?> FlagErrors() =>
    [
        SettingsChecks.Empty(Module, "MODULE"),
        SettingsChecks.InRange(Repeat, "--repeat", 1, SettingsChecks.MaxRepeat),
        SettingsChecks.InRange(BatchParallel, "--batch-parallel", 1, 64),
        SettingsChecks.InRange(Threads, "--threads", 1, 64),
        SettingsChecks.Seconds(TimeoutSeconds, "--timeout"),
        SettingsChecks.MemoryMiB(MaxMemoryMb, "--max-memory"),
        SettingsChecks.OutputDirectory(OutputDir, "--output-dir"),
        SettingsChecks.Empty(Image, "--image"),
        SettingsChecks.Empty(Labels, "--labels", "a file or a label set name"),
        .. Inputs.Select(i => SettingsChecks.Empty(i, "--input", "NAME=FILE or FILE")),
        .. Reference.Select(r => SettingsChecks.Empty(r, "--reference")),
    ];
}
