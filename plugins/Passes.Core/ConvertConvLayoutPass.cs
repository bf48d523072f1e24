using System.Globalization;
using Microsoft.Extensions.Configuration;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Passes.Core;

/// <summary>
/// convert-conv-layout: rewrites every 2-D, group-1 Conv or FusedConv with constant weights and channel counts divisible by the
/// block into ConvBlocked over the blocked layout [N, C/4, H, W, 4] (NCHWc), packing its weights at compile time into
/// a new constant [M/4, C, KH, KW, 4]. LayoutToBlocked and LayoutFromBlocked appear only at the edges of blocked
/// regions: a value stays blocked from one ConvBlocked to the next (the residual input of a fused residual conv
/// included), each value is converted at most once per direction, and everything else stays NCHW. A FusedConv's
/// residual and activation carry over to ConvBlocked. Nothing changes when the backend lacks the blocked ops.
/// Why: in the blocked layout one f32x4 holds one pixel of four output channels, so a conv kernel can vectorise over
/// output channels and read its input in place: no padded, phase-split copy, no discarded padding columns, no
/// epilogue copy out of scratch (docs/performance.md, "Blocked layout").
/// Requires fuse-residual and fuse-activation (<see cref="Requires"/>): they match only Conv, so run later they
/// would find nothing to fuse into ConvBlocked.
/// </summary>
public sealed class ConvertConvLayoutPass : IPass
{
    public string Name => "convert-conv-layout";

    public string Description => "run 2-D group-1 convolutions in the blocked NCHW4c layout with weights packed at compile time";

    public IReadOnlyList<string> Requires { get; } = ["fuse-residual", "fuse-activation"];

    public IReadOnlyCollection<string>? OptionKeys => ConvertConvLayoutOptions.Keys;

    /// <summary>The ops this pass makes; a backend must run all three.</summary>
    private static readonly string[] BlockedOps = ["ConvBlocked", "LayoutToBlocked", "LayoutFromBlocked"];

    public Graph Run(Graph graph, PassContext context)
    {
        var options = ConvertConvLayoutOptions.From(context.Options);
        if (!BlockedOps.All(context.Capabilities.SupportsOp) || !graph.Nodes.Any(n => Converts(n, graph, options)))
        {
            return graph;
        }
        var builder = new GraphBuilder(graph);
        builder.Nodes.Clear();
        var blockedForm = new Dictionary<string, string>(StringComparer.Ordinal);   // value → its blocked twin
        var plainPending = new Dictionary<string, string>(StringComparer.Ordinal);  // converted conv output → blocked value
        var packedWeights = new Dictionary<string, string>(StringComparer.Ordinal);
        int toBlocked = 0, fromBlocked = 0;
        var block = AttributeValue.Of(options.Block);

        string Blocked(string value)
        {
            if (!blockedForm.TryGetValue(value, out var twin))
            {
                twin = builder.FreshName(value + "_blocked");
                var type = graph.TypeOf(value);
                builder.AddNode("LayoutToBlocked", [value], [(twin, type with { Shape = BlockedLayout.Blocked(type.Shape, 1, options.Block) })],
                                Attributes.Empty.With("block", block), builder.FreshName("to_blocked"));
                blockedForm[value] = twin;
                toBlocked++;
            }
            return twin;
        }

        // A converted conv's plain (NCHW) output is made back only where something still reads it plain.
        void Plain(string value)
        {
            if (plainPending.Remove(value, out var twin))
            {
                builder.AddNode("LayoutFromBlocked", [twin], [(value, graph.TypeOf(value))], Attributes.Empty.With("block", block),
                                builder.FreshName("from_blocked"));
                fromBlocked++;
            }
        }

        foreach (var node in graph.Nodes)
        {
            if (!Converts(node, graph, options))
            {
                foreach (var input in node.Inputs)
                {
                    Plain(input);
                }
                builder.Nodes.Add(node);
                continue;
            }
            var weights = node.Inputs[1];
            if (!packedWeights.TryGetValue(weights, out var packed))
            {
                packed = builder.AddConstant(builder.FreshName(weights + "_blocked"), BlockedLayout.ToBlocked(graph.Constants[weights], 0, options.Block));
                packedWeights[weights] = packed;
            }
            var inputs = new List<string> { Blocked(node.Inputs[0]), packed, node.InputOrNull(2) ?? "" };
            if (node.InputOrNull(FusedOps.ResidualInput) is { } residual)
            {
                inputs.Add(Blocked(residual));
            }
            var output = node.Outputs[0];
            var type = graph.TypeOf(output);
            var twin = builder.FreshName(output + "_blocked");
            builder.AddNode("ConvBlocked", inputs, [(twin, type with { Shape = BlockedLayout.Blocked(type.Shape, 1, options.Block) })],
                            node.Attributes.With("block", block), node.Name);
            blockedForm[output] = twin;
            plainPending[output] = twin;
        }
        foreach (var output in graph.Outputs)
        {
            Plain(output);
        }
        // The plain weights are dead once packed, unless something else still reads them.
        var read = builder.Nodes.SelectMany(n => n.Inputs).Concat(graph.Outputs).ToHashSet(StringComparer.Ordinal);
        foreach (var weights in packedWeights.Keys.Where(w => !read.Contains(w)))
        {
            builder.RemoveConstant(weights);
        }
        context.Statistics["converted"] = builder.Nodes.Count(n => n.Op == "ConvBlocked");
        context.Statistics["to blocked"] = toBlocked;
        context.Statistics["from blocked"] = fromBlocked;
        return builder.Build();
    }

    private static bool Converts(Node node, Graph graph, ConvertConvLayoutOptions options)
    {
        if (node.Op is not ("Conv" or FusedOps.Conv) || node.Attributes.GetInt("group") != 1 || !graph.IsConstant(node.Inputs[1]))
        {
            return false;
        }
        var x = graph.TypeOf(node.Inputs[0]);
        var y = graph.TypeOf(node.Outputs[0]);
        return x.ElementType == DataType.Float32 && x.Shape.Rank == 4
            && x.Shape[1] % options.Block == 0 && y.Shape[1] % options.Block == 0
            && x.Shape[1] >= options.MinChannels && y.Shape[1] >= options.MinChannels;
    }
}

/// <summary>The pass's options, from <c>Pipeline:PassOptions:convert-conv-layout</c>; bad values are user errors (exit 2).</summary>
public sealed record ConvertConvLayoutOptions(long Block, long MinChannels)
{
    public static readonly ConvertConvLayoutOptions Default = new(4, 4);

    private const string Section = "Pipeline:PassOptions:convert-conv-layout";

    /// <summary>The keys <see cref="From"/> reads; any other key in the section is a typo the host reports.</summary>
    public static readonly IReadOnlyCollection<string> Keys = ["Block", "MinChannels"];

    public static ConvertConvLayoutOptions From(IConfiguration section)
    {
        long block = Read(section, "Block", Default.Block);
        if (block != 4)
        {
            throw new WasmGraphException($"{Section}:Block must be 4 (one f32x4 lane per channel), not {block}");
        }
        long minChannels = Read(section, "MinChannels", Default.MinChannels);
        return new ConvertConvLayoutOptions(block, minChannels);
    }

    private static long Read(IConfiguration section, string key, long fallback)
    {
        if (section[key] is not { } text)
        {
            return fallback;
        }
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new WasmGraphException($"{Section}:{key} must be a non-negative integer, not '{text}'");
    }
}
