using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.Plugins;

namespace WasmGraph.Host.Cli;

/// <summary>The <c>plugins --json</c> document (docs/cli.md): what the table shows, with every list whole.</summary>
public sealed record PluginsDocument(
    int SchemaVersion,
    string Command,
    string PluginsDirectory,
    IReadOnlyList<PluginVersionDocument> Plugins,
    IReadOnlyList<ComponentDocument> Components,
    IReadOnlyList<OpDocument> Ops,
    IReadOnlyList<PluginFailureDocument> Failures)
{
    internal static PluginsDocument From(PluginReport report, IReadOnlyList<ComponentEntry> components, IReadOnlyList<(OpDefinition Op, string Plugin)> ops)
        => new(CliJson.SchemaVersion, "plugins", report.Directory,
               report.Loaded.Select(p => new PluginVersionDocument(p.Name, p.Version, p.AssemblyPath)).ToList(),
               components.Select(ComponentDocument.From).ToList(),
               ops.Select(o => new OpDocument(o.Op.Name, o.Plugin, report.Loaded.FirstOrDefault(p => p.Name == o.Plugin)?.Version ?? "", o.Op.Summary,
                                              o.Op.Imports.Select(i => $"{i.Domain}::{i.OpType}").ToList(), o.Op.Decomposition is not null)).ToList(),
               report.Failures.Select(f => new PluginFailureDocument(f.Name, f.Path, f.Reason)).ToList());
}

/// <summary>One component; the kind-specific lists are present only for that kind.</summary>
public sealed record ComponentDocument(string Kind, string Name, string Plugin, string Version, string Description)
{
    /// <summary>A frontend's file extensions.</summary>
    public IReadOnlyList<string>? Extensions { get; init; }

    /// <summary>A pass's hard requirements.</summary>
    public IReadOnlyList<string>? Requires { get; init; }

    /// <summary>The passes a pass must come after when the pipeline has them.</summary>
    public IReadOnlyList<string>? RunsAfter { get; init; }

    /// <summary>A backend's ops, sorted.</summary>
    public IReadOnlyList<string>? SupportedOps { get; init; }

    internal static ComponentDocument From(ComponentEntry entry)
    {
        var document = new ComponentDocument(entry.Kind, entry.Component.Name, entry.Plugin, entry.Version, entry.Component.Description);
        return entry.Component switch
        {
            IFrontend f => document with { Extensions = f.Extensions.ToList() },
            IPass p => document with { Requires = p.Requires.ToList(), RunsAfter = p.RunsAfter.ToList() },
            IBackend b => document with { SupportedOps = b.SupportedOps.Order(StringComparer.Ordinal).ToList() },
            _ => document,
        };
    }
}

/// <summary>An op a plugin added to the registry.</summary>
public sealed record OpDocument(string Name, string Plugin, string Version, string Summary, IReadOnlyList<string> Imports, bool Decomposes);
