using System.ComponentModel;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Spectre.Console;
using Spectre.Console.Cli;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Conformance;
using WasmGraph.Host.Cli;
using WasmGraph.Host.Configuration;
using WasmGraph.Host.Hosting;
using WasmGraph.Host.IO;
using WasmGraph.Host.Pipeline;
using WasmGraph.Host.Plugins;

namespace WasmGraph.Apps.Cli;

public sealed class ConformanceSettings : HostCommandSettings
{
    [CommandOption("--filter <TEXT>")]
    [Description("Only cases whose id (suite/test_name) contains TEXT, e.g. 'reduce' or 'node/test_conv'")]
    public string? Filter { get; init; }

    [CommandOption("--data <DIR>")]
    [Description("The ONNX test data (default: .cache/data/onnx-testdata in the repository; fetch it with ./wasmgraph fetch)")]
    public string? Data { get; init; }

    [CommandOption("--report <FILE>")]
    [Description("Where to write the Markdown report (default: docs/conformance.md in the repository for a full run; a --filter run writes one only here)")]
    public string? Report { get; init; }

    [CommandOption("-j|--jobs <N>")]
    [Description("Cases compiled and run at once (default: the number of cores)")]
    public int? Jobs { get; init; }

    /// <summary>More parallel cases than this only adds memory pressure; each case compiles and instantiates a module.</summary>
    public const int MaxJobs = 256;

    protected override IEnumerable<string?> FlagErrors() =>
    [
        SettingsChecks.InRange(Jobs, "-j|--jobs", 1, MaxJobs),
        SettingsChecks.ExistingDirectory(Data, "--data"),
        SettingsChecks.OutputFile(Report, "--report"),
        Filter is { } filter && string.IsNullOrWhiteSpace(filter) ? "--filter is empty; give part of a case id, e.g. 'reduce'" : null,
    ];
}

/// <summary>
/// <c>conformance</c>: runs the ONNX backend test suite through the configured pipeline (the same runner as
/// tests/Conformance.Tests) in both modes, (a) every input at run time and (b) shape-deciding inputs bound as
/// <c>compile --bind</c> binds them, and writes the per-op report; each case's line shows its status in (a) then (b). Exit code 0 even when cases fail: the report is the result;
/// CI enforces the pass count through the test project's baseline.
/// </summary>
public sealed class ConformanceCommand(WasmGraphHostFactory hosts, HostConsoles consoles) : Command<ConformanceSettings>
{
    public override int Execute(CommandContext context, ConformanceSettings settings, CancellationToken cancellation)
    {
        var repo = Environment.GetEnvironmentVariable("WASMGRAPH_REPO") ?? Directory.GetCurrentDirectory();
        // The tracked docs/conformance.md describes the whole suite: a filtered run writes a report only where told to.
        var reportPath = settings.Report ?? (settings.Filter is null ? Path.Combine(repo, "docs", "conformance.md") : null);
        if (reportPath is not null)
        {
            OutputPath.Check(reportPath, "--report", []);
        }
        using var host = hosts.Build(settings.ToHostSettings(PipelineStages.Compile | PipelineStages.Run));
        var catalog = host.Services.GetRequiredService<ComponentCatalog>();
        var options = host.Services.GetRequiredService<IOptions<PipelineOptions>>().Value;
        var runner = new ConformanceRunner(
            catalog.Require<IFrontend>(options.Frontend, "Pipeline:Frontend"),
            options.Passes.Select((p, i) => catalog.Require<IPass>(p, $"Pipeline:Passes:{i}")).ToList(),
            host.Services.GetRequiredService<OpRegistry>(),
            catalog.Require<IBackend>(options.Backend.Name, "Pipeline:Backend:Name"),
            catalog.Require<IRuntime>(options.Runtime.Name, "Pipeline:Runtime:Name"));

        var data = settings.Data ?? Path.Combine(repo, ".cache", "data", "onnx-testdata");
        if (!Directory.Exists(data))
        {
            throw new WasmGraphException($"ONNX test data not found at {data}; run ./wasmgraph fetch or pass --data");
        }
        var cases = ConformanceCase.Discover(data, settings.Filter);
        if (cases.Count == 0)
        {
            throw new WasmGraphException($"no conformance case matches '{settings.Filter}'");
        }
        var output = consoles.Out;
        int done = 0;
        var results = runner.RunAll(cases, settings.Jobs ?? Environment.ProcessorCount, (runTime, bound) =>
        {
            int n = Interlocked.Increment(ref done);
            if (runTime.Status != CaseStatus.Passed || bound.Status != CaseStatus.Passed || cases.Count <= 50)
            {
                output.MarkupLine($"{Status(runTime)} {Status(bound)} {Markup.Escape(runTime.Case.Id)} [grey]{Markup.Escape(runTime.Reason ?? bound.Reason ?? "")}[/]");
            }
            else if (n % 100 == 0 && settings.ShowsProgress(consoles))
            {
                consoles.Error.MarkupLine($"[grey]{n}/{cases.Count} …[/]");
            }
        }, cancellation);

        var report = new ConformanceReport(results);
        if (reportPath is not null)
        {
            AtomicFile.WriteAllBytes(reportPath, Encoding.UTF8.GetBytes(report.ToMarkdown()), cancellation);
        }
        foreach (var (title, mode) in new[] { ("(a) run-time inputs", ConformanceMode.RunTimeInputs), ("(b) bound with --bind", ConformanceMode.BoundParameters) })
        {
            var list = report.Of(mode);
            output.MarkupLine($"{Markup.Escape(title)}: {report.Passed(mode)} passed, {list.Count(r => r.Status == CaseStatus.Failed)} failed, " +
                              $"{list.Count(r => r.Status == CaseStatus.Unsupported)} unsupported of {list.Count}; " +
                              $"node/ inference-mode {ConformanceReport.Rate(ConformanceReport.NodeInference(list))}");
        }
        output.MarkupLine(reportPath is null
            ? "[grey]no report written: a --filter run does not replace docs/conformance.md (it covers the whole suite); add --report FILE to keep one[/]"
            : $"report: [blue]{Markup.Escape(Path.GetFullPath(reportPath))}[/]");
        return 0;
    }

    /// <summary>A case's status in one mode, coloured, padded to one column width.</summary>
    private static string Status(CaseResult result)
    {
        var colour = result.Status == CaseStatus.Passed ? "green" : result.Status == CaseStatus.Failed ? "red" : "yellow";
        return $"[{colour}]{result.Status.ToString().ToLowerInvariant(),-11}[/]";
    }
}
