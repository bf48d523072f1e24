using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Samples.RuntimePlugin;

/// <summary>
/// <c>node</c>: runs compiled modules in Node.js through web/wasmgraph.js, the loader browsers use. It exists to show
/// a third-party runtime, and it is a real cross-check: the same .wasm run by V8 instead of Wasmtime must give the
/// same outputs, because the module ABI (docs/abi.md) needs nothing from the host. Each session is one Node process
/// that loads the module once and answers run requests over its standard streams (runner.mjs).
/// Node compiles the module itself, so <see cref="RuntimeOptions.CacheDirectory"/> is not used.
/// </summary>
public sealed class NodeRuntime : IRuntime
{
    private readonly string _node;

    public NodeRuntime(IConfiguration configuration)
        => _node = configuration[$"{ConfigSection}:Executable"] is { Length: > 0 } node ? node : "node";

    /// <summary>The config section of this runtime: <c>NodeRuntime:Executable</c> picks the Node binary (default: node on PATH).</summary>
    public const string ConfigSection = "NodeRuntime";

    public string Name => "node";

    public string Description => "Runs modules in Node.js (V8) through web/wasmgraph.js; a cross-check of Wasmtime";

    public IModelSession Load(byte[] module, RuntimeOptions options)
    {
        var runner = Path.Combine(PluginDirectory, "runner.mjs");
        if (!File.Exists(runner))
        {
            throw new WasmGraphException($"node runtime: {runner} is missing; rebuild the RuntimePlugin sample");
        }
        return NodeSession.Start(_node, runner, module, options);
    }

    /// <summary>The plugin's own folder: runner.mjs and wasmgraph.mjs are copied beside the assembly at build time.</summary>
    private static string PluginDirectory => Path.GetDirectoryName(typeof(NodeRuntime).Assembly.Location)!;
}

/// <summary>The plugin's entry point: the host finds this type and lets it register the runtime.</summary>
public sealed class RuntimePluginFactory : IPluginFactory
{
    public void Configure(IServiceCollection services, IConfiguration configuration)
        => services.AddSingleton<IRuntime>(new NodeRuntime(configuration));
}
