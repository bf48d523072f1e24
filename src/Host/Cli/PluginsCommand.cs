using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.Configuration;
using WasmGraph.Host.Hosting;
using WasmGraph.Host.Plugins;

namespace WasmGraph.Host.Cli;

/// <summary>
/// <c>plugins</c>: every discovered component with what it can do (a frontend's file extensions, a pass's required
/// passes, a backend's op count and, with --verbose, its op list), every op a plugin added to the registry, the plugin
/// and version each came from, and every plugin
/// that was skipped and why. It validates nothing, because it is how users find the names to put in the config.
/// </summary>
public sealed class PluginsCommand(WasmGraphHostFactory hosts, HostConsoles consoles) : AsyncCommand<JsonCommandSettings>
{
    public override Task<int> ExecuteAsync(CommandContext context, JsonCommandSettings settings, CancellationToken cancellation)
    {
        using var host = hosts.Build(settings.ToHostSettings(PipelineStages.None));
        var report = host.Services.GetRequiredService<PluginReport>();
        var catalog = host.Services.GetRequiredService<ComponentCatalog>();
        var components = catalog.All().ToList();
        var output = consoles.Out;
        // Ops plugins added to the registry (services.AddOps) are listed with the components, so their plugin is not "silent".
        var ops = report.Registrations.Where(r => r.Descriptor.ImplementationInstance is OpDefinition)
                        .Select(r => (Op: (OpDefinition)r.Descriptor.ImplementationInstance!, r.Plugin)).ToList();
        if (settings.Json)
        {
            CliJson.Write(consoles, PluginsDocument.From(report, components, ops));
            return Task.FromResult(0);
        }

        output.MarkupLine($"plugins directory: [blue]{Markup.Escape(report.Directory)}[/]");
        var table = new Table().Border(TableBorder.Rounded).AddColumns("kind", "name", "capabilities", "plugin", "version", "description");
        foreach (var entry in components)
        {
            table.AddRow(entry.Kind, $"[bold]{Markup.Escape(entry.Component.Name)}[/]", Markup.Escape(Capabilities(entry.Component)),
                         Markup.Escape(entry.Plugin), Markup.Escape(entry.Version), Markup.Escape(entry.Component.Description));
        }
        foreach (var (op, plugin) in ops)
        {
            var version = report.Loaded.FirstOrDefault(p => p.Name == plugin)?.Version ?? "";
            table.AddRow("op", $"[bold]{Markup.Escape(op.Name)}[/]", Markup.Escape(Capabilities(op)), Markup.Escape(plugin), Markup.Escape(version), Markup.Escape(op.Summary));
        }
        output.Write(table);
        if (settings.Verbose)
        {
            // After the table, not in it: ~90 op names would make the table wider than any terminal.
            foreach (var backend in components.Select(c => c.Component).OfType<IBackend>())
            {
                output.MarkupLine($"[bold]{Markup.Escape(backend.Name)}[/] lowers {backend.SupportedOps.Count} ops: " +
                                  Markup.Escape(string.Join(", ", backend.SupportedOps.Order(StringComparer.Ordinal))));
            }
        }

        var silent = report.Loaded.Where(p => components.All(c => c.Plugin != p.Name) && ops.All(o => o.Plugin != p.Name)).ToList();
        foreach (var plugin in silent)
        {
            output.MarkupLine($"[grey]plugin {Markup.Escape(plugin.Name)} {Markup.Escape(plugin.Version)} loaded but registered no frontend, pass, backend, runtime or op[/]");
        }
        foreach (var failure in report.Failures)
        {
            output.MarkupLine($"[red]skipped[/] {Markup.Escape(failure.Name)}: {Markup.Escape(failure.Reason)}");
        }
        output.MarkupLine($"{report.Loaded.Count} plugin(s) loaded, {report.Failures.Count} skipped, {components.Count} component(s)" +
                          (settings.Verbose ? "" : "; --verbose lists each backend's ops"));
        return Task.FromResult(0);
    }

    /// <summary>What a user needs to know to pick the component: which files, which order, which ops.</summary>
    internal static string Capabilities(IComponent component) => component switch
    {
        IFrontend f => f.Extensions.Count == 0 ? "reads: (see description)" : "reads: " + string.Join(" ", f.Extensions),
        IPass p => string.Join("; ", new[]
        {
            p.Requires.Count == 0 ? "" : "requires: " + string.Join(", ", p.Requires),
            p.RunsAfter.Count == 0 ? "" : "runs after: " + string.Join(", ", p.RunsAfter),
        }.Where(part => part.Length > 0)),
        IBackend b => $"lowers {b.SupportedOps.Count} ops",
        _ => "",
    };

    /// <summary>How an added op reaches a module: the model-file ops it imports, and whether backends can run it as other ops.</summary>
    internal static string Capabilities(OpDefinition op)
        => string.Join("; ", op.Imports.Select(i => $"imports: {i.Domain}::{i.OpType}").Append(op.Decomposition is null ? "" : "decomposes").Where(p => p.Length > 0));
}
