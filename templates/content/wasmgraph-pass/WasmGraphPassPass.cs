using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraphPass;

/// <summary>
/// <c>wasmgraph-pass-name</c>: counts the graph's nodes per op into the pass statistics (shown by
/// <c>wasmgraph compile --verbose</c>) and returns the graph unchanged. Replace the body with your transformation: the IR
/// is immutable, so a pass that changes something returns a new graph (a <c>GraphRewriter</c>, a <c>GraphBuilder</c>,
/// or <c>graph with { Nodes = ... }</c>) and one that changes nothing returns the same instance.
/// </summary>
public sealed class WasmGraphPassPass : IPass
{
    /// <summary>What <c>Pipeline:Passes</c> and <c>--passes</c> call this pass (kebab-case).</summary>
    public string Name => "wasmgraph-pass-name";

    public string Description => "Counts nodes per op into the pass statistics";

    /// <summary>Passes that must run before this one; the host refuses a pipeline without them.</summary>
    public IReadOnlyList<string> Requires { get; } = [];

    public Graph Run(Graph graph, PassContext context)
    {
        context.Statistics["nodes"] = graph.Nodes.Length;
        foreach (var byOp in graph.Nodes.GroupBy(n => n.Op))
        {
            context.Statistics[$"{byOp.Key} nodes"] = byOp.Count();
        }
        return graph;
    }
}

/// <summary>The plugin's entry point: the host finds this type and lets it register its components.</summary>
public sealed class WasmGraphPassPlugin : IPluginFactory
{
    public void Configure(IServiceCollection services, IConfiguration configuration)
        => services.AddSingleton<IPass, WasmGraphPassPass>();
}
