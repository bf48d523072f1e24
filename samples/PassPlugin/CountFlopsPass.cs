using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Samples.PassPlugin;

/// <summary>
/// <c>count-flops</c>: counts the floating-point work of the graph (two per multiply-add for Conv, Gemm and MatMul,
/// one per output element for everything else), reports it as pass statistics (<c>compile --verbose</c>) and, when the
/// option <c>Report</c> names a file, writes the <c>Top</c> heaviest nodes there. It changes no node and returns the
/// same graph, so it can sit anywhere in a pipeline; it requires dead-code elimination first so that it does not count
/// work the module will never do.
/// </summary>
public sealed class CountFlopsPass : IPass
{
    public string Name => "count-flops";

    public string Description => "Counts FLOPs per node into the pass statistics and an optional report file";

    public IReadOnlyList<string> Requires { get; } = ["eliminate-dead-code"];

    public Graph Run(Graph graph, PassContext context)
    {
        var options = CountFlopsOptions.From(context.Options);
        var costs = graph.Nodes.Select(n => (Node: n, Flops: Flops(n, graph))).ToList();
        long total = costs.Sum(c => c.Flops);
        context.Statistics["MFLOP"] = total / 1_000_000;
        foreach (var byOp in costs.GroupBy(c => c.Node.Op))
        {
            context.Statistics[$"{byOp.Key} nodes"] = byOp.Count();
        }
        if (options.Report is { } report)
        {
            var text = new StringBuilder().AppendLine(CultureInfo.InvariantCulture, $"{graph.Name}: {total} FLOP in {costs.Count} nodes");
            foreach (var (node, flops) in costs.OrderByDescending(c => c.Flops).Take(options.Top))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{node.Name}\t{node.Op}\t{flops}");
            }
            File.WriteAllText(report, text.ToString());
        }
        return graph;
    }

    /// <summary>FLOPs of one node, from its types alone (shapes are static after the frontend).</summary>
    public static long Flops(Node node, Graph graph)
    {
        long outputs = graph.TypeOf(node.Outputs[0]).ElementCount;
        return node.Op switch
        {
            // Weights are [Cout, Cin/group, kH, kW]: each output element takes Cin/group·kH·kW multiply-adds.
            "Conv" => 2 * outputs * (graph.TypeOf(node.Inputs[1]).ElementCount / graph.TypeOf(node.Inputs[1]).Shape[0]),
            "Gemm" => 2 * outputs * graph.TypeOf(node.Inputs[0]).Shape[node.Attributes.GetInt("transA", 0) == 0 ? 1 : 0],
            "MatMul" => 2 * outputs * graph.TypeOf(node.Inputs[0]).Shape.Dims[^1],
            _ => outputs,
        };
    }
}

/// <summary>The pass's options, from <c>Pipeline:PassOptions:count-flops</c>; bad values are user errors (exit 2).</summary>
public sealed record CountFlopsOptions(string? Report, int Top)
{
    public static CountFlopsOptions From(IConfiguration section)
    {
        var top = section["Top"] ?? "5";
        if (!int.TryParse(top, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1)
        {
            throw new WasmGraphException($"Pipeline:PassOptions:count-flops:Top must be a positive integer, not '{top}'");
        }
        return new CountFlopsOptions(section["Report"] is { Length: > 0 } report ? report : null, count);
    }
}

/// <summary>The plugin's entry point: the host finds this type and lets it register the pass.</summary>
public sealed class PassPluginFactory : IPluginFactory
{
    public void Configure(IServiceCollection services, IConfiguration configuration)
        => services.AddSingleton<IPass, CountFlopsPass>();
}
