using System.Collections.Immutable;
using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Spectre.Console;
using Spectre.Console.Cli;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.Cli;
using WasmGraph.Host.Configuration;
using WasmGraph.Host.Hosting;
using WasmGraph.Host.IO;
using WasmGraph.Host.Pipeline;
using WasmGraph.Host.Plugins;
using WasmGraph.Host.Reference;

namespace WasmGraph.Host.Demo;

public sealed class DemoSettings : HostCommandSettings
{
    [CommandOption("--data <DIR>")]
    [Description("Folder with the fetched models and photos (default: .cache/data of the repository)")]
    public string? Data { get; init; }

    [CommandOption("--image <FILE>")]
    [Description("The photo to embed (default: the bundled chelsea.png, a tabby cat)")]
    public string? Image { get; init; }

    [CommandOption("--repeat <N>")]
    [Description("Timed runs for the medians (default 5)")]
    public int Repeat { get; init; } = 5;
}

/// <summary>
/// <c>demo</c>: the README's main job. Compiles the real ResNet18 featurizer with its preprocessing model folded in
/// (once; cached), runs it in Wasmtime on a photo, and prints the embedding, the difference from ONNX Runtime on the
/// same input, and the timings of both.
/// </summary>
public sealed class DemoCommand : AsyncCommand<DemoSettings>
{
    /// <summary>The tolerance the demo and the model tests hold the module to: max |diff| ≤ 1e-3 · max |reference|.</summary>
    public const double Tolerance = 1e-3;

    private readonly WasmGraphHostFactory _hosts;
    private readonly HostConsoles _consoles;

    public DemoCommand(WasmGraphHostFactory hosts, HostConsoles consoles)
    {
        _hosts = hosts;
        _consoles = consoles;
    }

    public override async Task<int> ExecuteAsync(CommandContext context, DemoSettings settings, CancellationToken cancellation)
    {
        var data = new DemoData(settings.Data);
        var image = settings.Image ?? data.Image("chelsea.png");
        using var host = await _hosts.StartAsync(settings.ToHostSettings(PipelineStages.Compile | PipelineStages.Run), cancellation).ConfigureAwait(false);
        var pipeline = host.Services.GetRequiredService<CompilePipeline>();
        var options = host.Services.GetRequiredService<IOptions<PipelineOptions>>().Value;
        var runtime = host.Services.GetRequiredService<ComponentCatalog>().Require<IRuntime>(options.Runtime.Name, "Pipeline:Runtime:Name");

        _consoles.Out.MarkupLine("[bold]ResNet18 image featurizer[/] (real CNTK weights, preprocessing folded in)");
        // The preprocessing model takes RGB in 0..255 (NCHW) and does the BGR swap and mean-image subtraction itself.
        var request = new CompileRequest(data.ResNet18, "resnet18.wasm")
        {
            PrependModelPath = data.ResNetPreprocess,
            Hints = ImmutableDictionary<string, string>.Empty
                .Add("layout", "NCHW").Add("channel_order", "RGB").Add("scale", "1").Add("mean", "0,0,0").Add("std", "1,1,1"),
        };
        var clock = Stopwatch.StartNew();
        var (modulePath, compiled) = new DemoModels(pipeline, data.ModuleCache).Get("resnet18", request);
        var compileMs = clock.Elapsed.TotalMilliseconds;
        var bytes = await File.ReadAllBytesAsync(modulePath, cancellation).ConfigureAwait(false);

        clock.Restart();
        using var session = runtime.Load(bytes, new RuntimeOptions { CacheDirectory = options.Runtime.ResolvedCacheDirectory() });
        var loadMs = clock.Elapsed.TotalMilliseconds;
        var input = session.Metadata.Inputs[0];
        var tensor = ImageLoader.Load(image, input, ImagePreprocessing.FromHints(session.Metadata.Hints, input.Shape));
        var inputs = new Dictionary<string, TensorData> { [input.Name] = tensor };

        var (outputs, wasmMs) = Time(settings.Repeat, () => session.Run(inputs));
        using var reference = new OnnxReferenceSession([data.ResNetPreprocess, data.ResNet18]);
        var (expected, ortMs) = Time(settings.Repeat, () => reference.Run(inputs));

        var embedding = outputs[session.Metadata.Outputs[0].Name];
        var (diff, magnitude) = TensorStats.Compare(embedding, expected.Values.First());
        PrintEmbedding(image, embedding);
        PrintTimings(modulePath, bytes.LongLength, compiled, compileMs, loadMs, wasmMs, ortMs, diff, magnitude);
        return diff <= Tolerance * magnitude ? 0 : 1;
    }

    private static (T Result, double MedianMs) Time<T>(int repeat, Func<T> work)
    {
        var result = work(); // warm-up, also the result we report
        var times = new List<double>();
        for (int i = 0; i < Math.Max(1, repeat); i++)
        {
            var clock = Stopwatch.StartNew();
            work();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return (result, times[times.Count / 2]);
    }

    private void PrintEmbedding(string image, TensorData embedding)
    {
        var values = embedding.ToFloatArray();
        var stats = TensorStats.Of(embedding);
        double norm = Math.Sqrt(values.Sum(v => (double)v * v));
        var strongest = values.Select((v, i) => (v, i)).OrderByDescending(p => p.v).Take(5).Select(p => $"{p.i} ({Format.Number(p.v)})");
        var table = new Table().Border(TableBorder.Rounded).Title($"embedding of {Markup.Escape(Path.GetFileName(image))}")
            .AddColumns("shape", "min", "max", "mean", "L2 norm", "strongest features");
        table.AddRow(Markup.Escape(Format.Shape(embedding.Type.Shape.Dims)), Format.Number(stats.Min), Format.Number(stats.Max),
                     Format.Number(stats.Mean), Format.Number(norm), Markup.Escape(string.Join(", ", strongest)));
        _consoles.Out.Write(table);
    }

    private void PrintTimings(string modulePath, long moduleBytes, CompileResult? compiled, double compileMs, double loadMs,
                              double wasmMs, double ortMs, double diff, double magnitude)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("", "value");
        table.AddRow("module", $"{Markup.Escape(modulePath)} ({Format.Bytes(moduleBytes)})");
        table.AddRow("compile", compiled is null ? "cached" : Format.Ms(compileMs));
        table.AddRow("load (Wasmtime)", Format.Ms(loadMs));
        table.AddRow("inference, WasmGraph in Wasmtime (median)", Format.Ms(wasmMs));
        table.AddRow("inference, ONNX Runtime native, 1 thread (median)", Format.Ms(ortMs));
        bool ok = diff <= Tolerance * magnitude;
        table.AddRow("max |wasm − ONNX Runtime|", $"{Format.Number(diff)} (max |ref| {Format.Number(magnitude)}, " +
                     $"{(ok ? "[green]within[/]" : "[red]outside[/]")} 1e-3 × max |ref|)");
        _consoles.Out.Write(table);
    }
}
