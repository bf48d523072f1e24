using Microsoft.Extensions.DependencyInjection;
using Spectre.Console.Cli;

namespace WasmGraph.Host.Cli;

/// <summary>
/// Verbs and services an application adds to the core CLI. The core (this assembly: CLI, configuration, plugin
/// loading, pipeline, IO) stays free of the apps' heavy dependencies (ONNX Runtime, tokenizers); the executable
/// (src/Cli) passes src/Apps' extension to <see cref="WasmGraphCli.RunAsync"/>, which adds <c>demo</c>, <c>zoo</c>,
/// <c>conformance</c> and ONNX Runtime as the <c>run --reference</c> oracle. Tests pass the same extension.
/// </summary>
public interface ICliExtension
{
    /// <summary>Services the extension's verbs (and core verbs, through <see cref="IReferenceRunner"/>) take in their constructors.</summary>
    void AddServices(IServiceCollection services);

    /// <summary>Adds verbs through <paramref name="verbs"/>, so their flags are checked like the core's.</summary>
    void AddVerbs(IConfigurator config, CommandLineCheck verbs);
}
