using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.Configuration;
using WasmGraph.Host.Hosting;
using WasmGraph.Host.Plugins;

namespace WasmGraph.Host.Cli;

/// <summary>
/// <c>plugins</c>: every discovered component (kind, name, plugin, version, description; a backend's supported ops) and
/// every plugin that was skipped. It validates nothing, because it is how users find the names to put in the config.
/// </summary>
public sealed class PluginsCommand : AsyncCommand<HostCommandSettings>
{
    private readonly WasmGraphHostFactory _hosts;
    private readonly HostConsoles _consoles;

    public PluginsCommand(WasmGraphHostFactory hosts, HostConsoles consoles)
    {
        _hosts = hosts;
        _consoles = consoles;
    }

    public override Task<int> ExecuteAsync(CommandContext context, HostCommandSettings settings, CancellationToken cancellation)
    {
        using var host = _hosts.Build(settings.ToHostSettings(PipelineStages.None));
        var report = host.Services.GetRequiredService<PluginReport>();
        var catalog = host.Services.GetRequiredService<ComponentCatalog>();
        var components = catalog.All().ToList();
        var output = _consoles.Out;

        output.MarkupLine($"plugins directory: [blue]{Markup.Escape(report.Directory)}[/]");
        var table = new Table().Border(TableBorder.Rounded).AddColumns("kind", "name", "plugin", "version", "description");
        foreach (var entry in components)
        {
            var description = entry.Component.Description;
            if (entry.Component is IBackend backend)
            {
                description += $"\nops: {string.Join(", ", backend.SupportedOps.Order(StringComparer.Ordinal))}";
            }
            table.AddRow(entry.Kind, $"[bold]{Markup.Escape(entry.Component.Name)}[/]", Markup.Escape(entry.Plugin),
                         Markup.Escape(entry.Version), Markup.Escape(description));
        }
        output.Write(table);

        var silent = report.Loaded.Where(p => components.All(c => c.Plugin != p.Name)).ToList();
        foreach (var plugin in silent)
        {
            output.MarkupLine($"[grey]plugin {Markup.Escape(plugin.Name)} {Markup.Escape(plugin.Version)} loaded but registered no frontend, pass, backend or runtime[/]");
        }
        foreach (var failure in report.Failures)
        {
            output.MarkupLine($"[red]skipped[/] {Markup.Escape(failure.Name)}: {Markup.Escape(failure.Reason)}");
        }
        output.MarkupLine($"{report.Loaded.Count} plugin(s) loaded, {report.Failures.Count} skipped, {components.Count} component(s)");
        return Task.FromResult(0);
    }
}
