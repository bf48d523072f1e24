using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.Configuration;
using WasmGraph.Host.Hosting;
using WasmGraph.Host.Plugins;

namespace WasmGraph.Host.Cli;

/// <summary>
/// <c>wasmgraph --version</c> (also <c>wasmgraph version</c>): the host's version, each loaded plugin's, and the native
/// libraries the components run on (LLVM asked through the backend's binding, Wasmtime from its package), so a bug
/// report can say exactly what built and ran a module. The host never calls a native library itself: components that
/// use one answer through <see cref="INativeLibraryUser"/>.
/// </summary>
public sealed class VersionCommand(WasmGraphHostFactory hosts, HostConsoles consoles) : Command<JsonCommandSettings>
{
    public override int Execute(CommandContext context, JsonCommandSettings settings, CancellationToken cancellation)
    {
        var document = Collect(settings);
        if (settings.Json)
        {
            CliJson.Write(consoles, document);
            return ErrorReporter.Ok;
        }
        var output = consoles.Out;
        output.MarkupLine($"wasmgraph [bold]{Markup.Escape(document.Host.Version)}[/] ({Markup.Escape(document.Host.Framework)}, " +
                          $"plugin contracts {document.Host.ContractsMajor})");
        output.MarkupLine($"plugins ({Markup.Escape(document.PluginsDirectory)}):");
        foreach (var plugin in document.Plugins)
        {
            output.MarkupLine($"  {Markup.Escape(plugin.Name)} {Markup.Escape(plugin.Version)}");
        }
        foreach (var failure in document.Failures)
        {
            output.MarkupLine($"  [red]skipped[/] {Markup.Escape(failure.Name)}: {Markup.Escape(failure.Reason)}");
        }
        output.MarkupLine("native libraries:");
        foreach (var library in document.NativeLibraries)
        {
            output.MarkupLine($"  {Markup.Escape(library.Name)} {Markup.Escape(library.Version)} " +
                              $"[grey]({Markup.Escape(library.Kind)} {Markup.Escape(library.Component)}, plugin {Markup.Escape(library.Plugin)}; {Markup.Escape(library.Source)})[/]");
        }
        return ErrorReporter.Ok;
    }

    private VersionDocument Collect(HostCommandSettings settings)
    {
        using var host = hosts.Build(settings.ToHostSettings(PipelineStages.None));
        var report = host.Services.GetRequiredService<PluginReport>();
        var catalog = host.Services.GetRequiredService<ComponentCatalog>();
        var libraries = new List<NativeLibraryDocument>();
        foreach (var entry in catalog.All())
        {
            var component = entry.Component is GuardedComponent guarded ? guarded.Inner : entry.Component;
            if (component is not INativeLibraryUser user)
            {
                continue;
            }
            try
            {
                libraries.AddRange(user.NativeLibraries.Select(l => new NativeLibraryDocument(l.Name, l.Version, l.Source, entry.Kind, entry.Component.Name, entry.Plugin)));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A library that does not load (LLVM not installed) is worth reporting, not a reason to fail --version.
                libraries.Add(new NativeLibraryDocument("?", "unknown", $"not loadable: {Format.ControlFree(e.Message.Split('\n')[0])}",
                                                        entry.Kind, entry.Component.Name, entry.Plugin));
            }
        }
        var assembly = typeof(WasmGraphCli).Assembly;
        return new VersionDocument(
            CliJson.SchemaVersion,
            "version",
            new HostVersionDocument(VersionOf(assembly), RuntimeInformation.FrameworkDescription, AbstractionsVersion.Major),
            report.Directory,
            report.Loaded.Select(p => new PluginVersionDocument(p.Name, p.Version, p.AssemblyPath)).ToList(),
            report.Failures.Select(f => new PluginFailureDocument(f.Name, f.Path, f.Reason)).ToList(),
            libraries);
    }

    /// <summary>The informational version without the source revision the SDK appends ("1.0.0+3f2a…" → "1.0.0").</summary>
    internal static string VersionOf(Assembly assembly)
        => assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
           ?? assembly.GetName().Version?.ToString(3) ?? "unknown";
}

/// <summary>The <c>--version --json</c> document (docs/cli.md).</summary>
public sealed record VersionDocument(
    int SchemaVersion,
    string Command,
    HostVersionDocument Host,
    string PluginsDirectory,
    IReadOnlyList<PluginVersionDocument> Plugins,
    IReadOnlyList<PluginFailureDocument> Failures,
    IReadOnlyList<NativeLibraryDocument> NativeLibraries);

public sealed record HostVersionDocument(string Version, string Framework, int ContractsMajor);

public sealed record PluginVersionDocument(string Name, string Version, string Path);

public sealed record PluginFailureDocument(string Name, string Path, string Reason);

public sealed record NativeLibraryDocument(string Name, string Version, string Source, string Kind, string Component, string Plugin);
