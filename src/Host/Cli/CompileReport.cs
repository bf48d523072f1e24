using System.Globalization;
using Spectre.Console;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.Configuration;
using WasmGraph.Host.Pipeline;

namespace WasmGraph.Host.Cli;

/// <summary>
/// What <c>compile</c> prints when it is done: the time of every stage and, with --verbose, the pass report that shows
/// what each pass did (node count before → after and its statistics) and the backend's sub-timings in the order they
/// ran. A pass that costs time but changes nothing is visible at a glance.
/// </summary>
internal static class CompileReport
{
    public static void Write(IAnsiConsole console, CompileResult result, PipelineOptions options, bool verbose)
    {
        console.Write(verbose ? PassReport(result) : Stages(result));
        var meta = result.Artifact.Metadata;
        if (result.Modules.Count > 1 || result.Modules is [{ Target: not null }])
        {
            foreach (var module in result.Modules)
            {
                console.MarkupLine($"wrote [green]{Markup.Escape(module.Path)}[/]: {Format.Bytes(module.Artifact.Bytes.LongLength)}, target {module.Target}");
            }
        }
        else
        {
            console.MarkupLine($"wrote [green]{Markup.Escape(result.OutputPath)}[/]: {Format.Bytes(result.Artifact.Bytes.LongLength)}");
        }
        console.MarkupLine($"weights {Format.Bytes(meta.WeightBytes)}, arena {Format.Bytes(meta.ArenaBytes)}, " +
                           $"{meta.Kernels.Length} kernels, -O{options.Backend.OptLevel}, passes: {Markup.Escape(PassListResolver.Format(options.Passes))}");
    }

    /// <summary>
    /// --verbose: which kernel each layer got where the backend had a choice (the module metadata's algorithm, the same
    /// table <c>inspect</c> shows), and the tuning log's note, if one was given.
    /// </summary>
    public static void WriteKernelChoices(IAnsiConsole console, CompileResult result, string? tuningNote)
    {
        if (tuningNote is not null)
        {
            console.MarkupLine($"[grey]{Markup.Escape(tuningNote)}[/]");
        }
        if (KernelChoiceTable(result.Artifact.Metadata.Kernels) is { } table)
        {
            console.Write(table);
        }
    }

    /// <summary>
    /// The kernels whose algorithm the backend chose (direct, winograd4, …), in run order, with what chose it: a tuning
    /// log ("tuned"), the built-in table ("table"), an option ("forced") or nothing ("default"). Null when no kernel
    /// records a choice. Shared by <c>compile --verbose</c> and <c>inspect MODULE.wasm</c>.
    /// </summary>
    public static Table? KernelChoiceTable(IReadOnlyList<KernelInfo> kernels)
    {
        if (!kernels.Any(k => k.Algorithm is not null))
        {
            return null;
        }
        var table = new Table().Border(TableBorder.Rounded).Title("kernel choices")
            .AddColumn(new TableColumn("#").RightAligned()).AddColumn("kernel").AddColumn("op").AddColumn("algorithm")
            .AddColumn("chosen by").AddColumn(new TableColumn("work").RightAligned());
        for (int i = 0; i < kernels.Count; i++)
        {
            var k = kernels[i];
            if (k.Algorithm is null)
            {
                continue;
            }
            table.AddRow($"{i}", Format.UntrustedMarkup(k.Name), Format.UntrustedMarkup(k.Op), Format.UntrustedMarkup(k.Algorithm),
                         Format.UntrustedMarkup(k.ChosenBy ?? ""), Format.Flops(k.Flops));
        }
        return table;
    }

    private static Table Stages(CompileResult result)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("stage").AddColumn(new TableColumn("time").RightAligned());
        foreach (var stage in result.Stages)
        {
            table.AddRow(Markup.Escape(stage.Stage), Format.Ms(stage.Milliseconds));
        }
        table.AddRow("[bold]total[/]", $"[bold]{Format.Ms(result.TotalMilliseconds)}[/]");
        return table;
    }

    private static Table PassReport(CompileResult result)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("pass report")
            .AddColumn("stage").AddColumn(new TableColumn("time").RightAligned()).AddColumn(new TableColumn("share").RightAligned())
            .AddColumn(new TableColumn("nodes").RightAligned()).AddColumn("statistics");
        double total = Math.Max(result.TotalMilliseconds, 1e-9);
        foreach (var stage in result.Stages)
        {
            var statistics = stage.DetailsAreTimings ? "" : string.Join(", ", stage.Details.Select(kv => $"{kv.Key} {Format.Number(kv.Value)}"));
            table.AddRow(Markup.Escape(stage.Stage), Format.Ms(stage.Milliseconds), Share(stage.Milliseconds, total),
                         Nodes(stage), Markup.Escape(statistics));
            if (stage.DetailsAreTimings)
            {
                foreach (var (step, ms) in stage.Details)
                {
                    table.AddRow($"[grey]  {Markup.Escape(step)}[/]", $"[grey]{Format.Ms(ms)}[/]", $"[grey]{Share(ms, total)}[/]", "", "");
                }
            }
        }
        table.AddRow("[bold]total[/]", $"[bold]{Format.Ms(result.TotalMilliseconds)}[/]", "", "", "");
        return table;
    }

    private static string Share(double ms, double total) => (ms / total).ToString("P0", CultureInfo.InvariantCulture);

    /// <summary>"69", "69 → 49 (-20)", or "" for stages without a graph on either side.</summary>
    private static string Nodes(StageTiming stage) => (stage.NodesBefore, stage.NodesAfter) switch
    {
        (null, { } after) => Format.Count(after),
        ({ } before, { } after) when before == after => $"{Format.Count(before)} → {Format.Count(after)}",
        ({ } before, { } after) => string.Create(CultureInfo.InvariantCulture, $"{Format.Count(before)} → {Format.Count(after)} ({after - before:+#;-#})"),
        ({ } before, null) => $"{Format.Count(before)} → module",
        _ => "",
    };
}
