using System.Globalization;
using Microsoft.Extensions.Configuration;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Passes.Core;

/// <summary>
/// plan-memory: gives every activation (graph inputs and node outputs) a fixed offset in one arena, two values sharing
/// bytes only when their lifetimes do not overlap, and attaches the plan to the graph (<see cref="Graph.Memory"/>)
/// for the backend. The graph itself is unchanged.
/// Why a pass: peak activation memory is decided here, so it should be visible (statistics with --verbose, the plan
/// in --dump-ir), configurable (alignment, placement order) and verified (--verify-each checks that no two live
/// values share a byte), like every other decision about the graph, instead of hidden in the backend.
/// Runs after every other core pass (<see cref="RunsAfter"/>): any later rewrite through a GraphBuilder drops the
/// plan, and the backend then plans on its own.
/// </summary>
public sealed class PlanMemoryPass : IPass
{
    public string Name => "plan-memory";

    public string Description => "place activations in one arena, reusing the bytes of dead values";

    public IReadOnlyCollection<string>? OptionKeys => PlanMemoryOptions.Keys;

    public IReadOnlyList<string> RunsAfter { get; } =
    [
        "fold-constants", "eliminate-common-subexpressions", "fold-batchnorm", "fuse-residual", "fuse-activation",
        "fuse-elementwise", "convert-conv-layout", "eliminate-dead-code",
    ];

    public Graph Run(Graph graph, PassContext context)
    {
        var options = PlanMemoryOptions.From(context.Options);
        var plan = MemoryPlanner.Plan(graph, options.Alignment, options.Strategy);
        context.Statistics["values"] = plan.Slots.Count;
        context.Statistics["arena KiB"] = KiB(plan.ArenaBytes);
        context.Statistics["buffers KiB"] = KiB(plan.BufferBytes);
        context.Statistics["peak live KiB"] = KiB(MemoryPlanner.PeakLiveBytes(graph)); // no placement can beat this
        // The share of the buffers' bytes that reuse saves; padding can make it negative on tiny graphs.
        context.Statistics["saved %"] = plan.BufferBytes == 0 ? 0 : 100 - (100 * plan.ArenaBytes / plan.BufferBytes);
        return graph.WithMemoryPlan(plan);
    }

    private static long KiB(long bytes) => (bytes + 1023) / 1024;
}

/// <summary>The pass's options, from <c>Pipeline:PassOptions:plan-memory</c>; bad values are user errors (exit 2).</summary>
public sealed record PlanMemoryOptions(int Alignment, PlacementStrategy Strategy)
{
    public static readonly PlanMemoryOptions Default = new(MemoryPlan.DefaultAlignment, PlacementStrategy.Smallest);

    private const string Section = "Pipeline:PassOptions:plan-memory";

    /// <summary>The keys <see cref="From"/> reads; any other key in the section is a typo the host reports.</summary>
    public static readonly IReadOnlyCollection<string> Keys = ["Alignment", "Strategy"];

    public static PlanMemoryOptions From(IConfiguration section)
    {
        var alignment = Default.Alignment;
        if (section["Alignment"] is { } text
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out alignment) || !MemoryPlan.IsValidAlignment(alignment)))
        {
            throw new WasmGraphException($"{Section}:Alignment must be a power of two of at least {MemoryPlan.MinimumAlignment}, not '{text}'");
        }
        var strategy = section["Strategy"] switch
        {
            null or "smallest" => PlacementStrategy.Smallest,
            "greedy-by-size" => PlacementStrategy.GreedyBySize,
            "in-order" => PlacementStrategy.InOrder,
            var other => throw new WasmGraphException($"{Section}:Strategy must be 'smallest', 'greedy-by-size' or 'in-order', not '{other}'"),
        };
        return new PlanMemoryOptions(alignment, strategy);
    }
}
