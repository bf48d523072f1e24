using System.ComponentModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Spectre.Console;
using Spectre.Console.Cli;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.Cli;
using WasmGraph.Host.Configuration;
using WasmGraph.Host.Hosting;
using WasmGraph.Host.IO;
using WasmGraph.Host.Pipeline;
using WasmGraph.Host.Plugins;

namespace WasmGraph.Apps.Demo;

public sealed class DemoSettings : HostCommandSettings
{
    [CommandOption("--data <DIR>")]
    [Description("Folder with the fetched models and photos (default: .cache/data of the repository)")]
    public string? Data { get; init; }

    [CommandOption("--image <FILE>")]
    [Description("A photo of your own to add to the image-similarity matrix")]
    public string? Image { get; init; }

    [CommandOption("--only <SECTION>")]
    [Description("Run one section: face-detection, image-similarity, sentence-similarity or int8 (the similarity models quantized, side by side with float; see --int8)")]
    public string? Only { get; init; }

    [CommandOption("--output-dir <DIR>")]
    [Description("Where the annotated photos and the cropped cat go (default: out/demo of the repository)")]
    public string? OutputDir { get; init; }

    [CommandOption("--report <FILE>")]
    [Description("Also write every number shown, and each comparison with ONNX Runtime, to FILE as JSON")]
    public string? Report { get; init; }

    [CommandOption("--int8")]
    [Description("Also quantize the similarity models (wasmgraph quantize) and show them side by side with float: cosine to the float embeddings, nearest neighbours, size, run time")]
    public bool Int8 { get; init; }

    [CommandOption("--repeat <N>")]
    [Description("Timed runs per model for the medians (default 5)")]
    public int Repeat { get; init; } = 5;

    protected override IEnumerable<string?> FlagErrors() =>
    [
        Only is not null && !DemoCommand.SectionNames.Contains(Only)
            ? $"--only must be one of: {string.Join(", ", DemoCommand.SectionNames)}" +
              (NameSuggestion.Closest(Only, DemoCommand.SectionNames) is { } close ? $"; did you mean '{close}'?" : "")
            : null,
        SettingsChecks.InRange(Repeat, "--repeat", 1, SettingsChecks.MaxRepeat),
        SettingsChecks.ExistingDirectory(Data, "--data"),
        SettingsChecks.ExistingFile(Image, "--image"),
        SettingsChecks.OutputDirectory(OutputDir, "--output-dir"),
        SettingsChecks.OutputFile(Report, "--report"),
    ];
}

/// <summary>
/// <c>demo</c>: the README's main job. Each section compiles a real model once (cached), runs it in Wasmtime on
/// bundled inputs, prints its results as tables, and checks every number against ONNX Runtime on the same inputs. The
/// exit code is 0 only when every check is within <see cref="Tolerance"/>; a section whose model is not fetched, or that
/// the compiler cannot lower yet, is reported as skipped.
/// </summary>
public sealed class DemoCommand(WasmGraphHostFactory hosts, HostConsoles consoles) : AsyncCommand<DemoSettings>
{
    /// <summary>The tolerance the demo and the model tests hold the module to: max |diff| ≤ 1e-3 · max |reference|.</summary>
    public const double Tolerance = 1e-3;

    public static readonly string[] SectionNames = [FaceDetectionDemo.SectionName, ImageSimilarityDemo.SectionName, SentenceSimilarityDemo.SectionName, QuantizedDemo.SectionName];

    public override async Task<int> ExecuteAsync(CommandContext context, DemoSettings settings, CancellationToken cancellation)
    {
        var data = new DemoData(settings.Data);
        if (settings.Image is { } image)
        {
            InputFile.Require(image, "--image", InputFile.ImageMaxBytes);
        }
        if (settings.Report is { } reportPath)
        {
            OutputPath.Check(reportPath, "--report", [settings.Image, settings.ConfigFile]); // before minutes of demo, not after
        }
        IDemoSection[] sections = [new FaceDetectionDemo(), new ImageSimilarityDemo(settings.Image), new SentenceSimilarityDemo(), .. settings.Int8 || settings.Only == QuantizedDemo.SectionName ? [new QuantizedDemo()] : Array.Empty<IDemoSection>()];
        var selected = sections.Where(s => settings.Only is null || s.Name == settings.Only || (settings.Int8 && s.Name == QuantizedDemo.SectionName)).ToList();
        if (selected.All(s => s.Unavailable(data) is not null))
        {
            // Nothing to show and nothing to compare: that is missing data (the user's to fix), not a parity failure.
            throw new WasmGraphException("no demo section can run: " + string.Join("; ", selected.Select(s => $"{s.Name}: {s.Unavailable(data)}")));
        }
        using var host = await hosts.StartAsync(settings.ToHostSettings(PipelineStages.Compile | PipelineStages.Run), cancellation).ConfigureAwait(false);
        var pipeline = host.Services.GetRequiredService<CompilePipeline>();
        var options = host.Services.GetRequiredService<IOptions<PipelineOptions>>().Value;
        var runtime = host.Services.GetRequiredService<ComponentCatalog>().Require<IRuntime>(options.Runtime.Name, "Pipeline:Runtime:Name");
        var outputDirectory = settings.OutputDir
            ?? Path.Combine(Environment.GetEnvironmentVariable("WASMGRAPH_REPO") ?? Directory.GetCurrentDirectory(), "out", "demo");
        OutputPath.CheckDirectory(outputDirectory, "--output-dir");
        Directory.CreateDirectory(outputDirectory);

        using var session = new DemoSession(consoles.Out, data, pipeline, runtime,
                                            new RuntimeOptions
                                            {
                                                CacheDirectory = options.Runtime.ResolvedCacheDirectory(),
                                                CacheMaxBytes = options.Runtime.ResolvedCacheMaxBytes(),
                                                // No token for the runtime: its epoch checks cost 11–45 % of the timings
                                                // the demo prints (see RunWatchdog), and each demo call takes well under a
                                                // second, so the token checked between calls stops it as promptly.
                                            },
                                            outputDirectory, settings.Repeat);
        var skipped = new List<(string Section, string Reason)>();
        foreach (var section in selected)
        {
            cancellation.ThrowIfCancellationRequested();
            if (!settings.Quiet)
            {
                consoles.Out.WriteLine();
                // A rule spans the console's width, which is "unbounded" when output is redirected; logs get a plain heading.
                consoles.Out.Write(consoles.Out.Profile.Width <= 240
                    ? new Rule($"[bold]{Markup.Escape(section.Title)}[/]").LeftJustified()
                    : new Markup($"[bold]── {Markup.Escape(section.Title)} ──[/]\n"));
            }
            if (section.Unavailable(data) is { } missing)
            {
                skipped.Add((section.Name, missing));
                consoles.Out.MarkupLine($"[yellow]skipped:[/] {Markup.Escape(missing)}");
                continue;
            }
            try
            {
                section.Run(session, cancellation);
            }
            catch (ModelException e)
            {
                // The compiler cannot handle this model yet (an op without a kernel): say so and go on with the others.
                var reason = e.Message.Split('\n')[0];
                skipped.Add((section.Name, reason));
                consoles.Out.MarkupLine($"[yellow]skipped:[/] {Markup.Escape(reason)}");
            }
        }

        consoles.Out.WriteLine();
        PrintModels(session);
        PrintParity(session.Parity, skipped);
        if (settings.Report is { } report)
        {
            session.Report["skipped"] = new System.Text.Json.Nodes.JsonArray(skipped.Select(s => (System.Text.Json.Nodes.JsonNode)s.Section).ToArray());
            session.WriteReport(report);
        }
        return session.Parity.AllOk ? 0 : 1;
    }

    private void PrintModels(DemoSession session)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("models")
            .AddColumns("model", "module", "compile", "load (Wasmtime)", "WasmGraph in Wasmtime (median)", "ONNX Runtime, 1 thread (median)");
        foreach (var model in session.Models)
        {
            table.AddRow(Markup.Escape(model.Name), $"{Markup.Escape(Path.GetFileName(model.ModulePath))} ({Format.Bytes(model.ModuleBytes)})",
                         model.Cached ? "cached" : Format.Ms(model.CompileMs), Format.Ms(model.LoadMs),
                         Median(model.WasmMedianMs), Median(model.OrtMedianMs));
        }
        consoles.Out.Write(table);

        static string Median(double ms) => double.IsNaN(ms) ? "-" : Format.Ms(ms);
    }

    private void PrintParity(DemoParity parity, List<(string Section, string Reason)> skipped)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("every number above vs ONNX Runtime on the same inputs")
            .AddColumns("section", "what", "values", "max |wasm − ONNX Runtime|", "max |ref|", "");
        foreach (var check in parity.Checks)
        {
            table.AddRow(Markup.Escape(check.Section), Markup.Escape(check.What), Format.Count(check.Count), Format.Number(check.MaxAbsDiff),
                         Format.Number(check.MaxAbsRef), check.Ok ? "[green]within 1e-3 × max |ref|[/]" : "[red]OUTSIDE 1e-3 × max |ref|[/]");
        }
        foreach (var (section, reason) in skipped)
        {
            table.AddRow(Markup.Escape(section), "[yellow]skipped[/]", "", "", "", Markup.Escape(reason));
        }
        consoles.Out.Write(table);
        int failed = parity.Checks.Count(c => !c.Ok);
        consoles.Out.MarkupLine(parity.AllOk
            ? $"[green]all {parity.Checks.Count} comparisons with ONNX Runtime are within 1e-3 × max |ref|[/]"
            : parity.Checks.Count == 0 ? "[red]nothing was compared with ONNX Runtime[/]"
            : $"[red]{failed} of {parity.Checks.Count} comparisons with ONNX Runtime are outside 1e-3 × max |ref|[/]");
    }
}
