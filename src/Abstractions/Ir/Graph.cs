using System.Collections.Immutable;

namespace WasmGraph.Abstractions.Ir;

/// <summary>
/// An immutable dataflow graph with static types. Every value (graph input, constant or node output) has an entry in
/// <see cref="Types"/>. Nodes are kept in topological order. Passes return new graphs with <c>with</c> expressions or
/// a <see cref="GraphBuilder"/>; unchanged parts are shared.
/// </summary>
public sealed record Graph
{
    public required string Name { get; init; }
    public required ImmutableArray<string> Inputs { get; init; }
    public required ImmutableArray<string> Outputs { get; init; }
    public required ImmutableArray<Node> Nodes { get; init; }
    public required ImmutableDictionary<string, TensorType> Types { get; init; }
    public required ImmutableDictionary<string, TensorData> Constants { get; init; }

    /// <summary>Free-form model metadata: producer, opset, source file, preprocessing hints.</summary>
    public ImmutableDictionary<string, string> Metadata { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>
    /// The static memory plan of the non-constant values, when the plan-memory pass has run; null otherwise. It is
    /// an annotation of this exact graph: a <see cref="GraphBuilder"/> rewrite drops it, and the verifier and the
    /// backend reject one that no longer fits (after a <c>with { Nodes = … }</c> rewrite, say).
    /// </summary>
    public MemoryPlan? Memory { get; init; }

    public Graph WithMemoryPlan(MemoryPlan? plan) => this with { Memory = plan };

    /// <summary>
    /// The bounded dynamic input dimension and the values that follow it (<c>--input-shape NAME=1,1..128</c>), when
    /// the module takes one; null for a static module. An annotation of this exact graph, made after the last pass.
    /// </summary>
    public RunTimeExtent? Extent { get; init; }

    public TensorType TypeOf(string value)
        => Types.TryGetValue(value, out var t) ? t : throw new KeyNotFoundException($"value '{value}' has no type in graph '{Name}'");

    public bool IsConstant(string value) => Constants.ContainsKey(value);

    public TensorData? ConstantOrNull(string? value) => value is not null && Constants.TryGetValue(value, out var c) ? c : null;

    /// <summary>Maps each value name to the nodes that read it.</summary>
    public ImmutableDictionary<string, ImmutableArray<Node>> Consumers()
    {
        var map = new Dictionary<string, ImmutableArray<Node>.Builder>();
        foreach (var node in Nodes)
        {
            foreach (var input in node.Inputs.Where(i => i.Length > 0).Distinct())
            {
                if (!map.TryGetValue(input, out var list))
                {
                    map[input] = list = ImmutableArray.CreateBuilder<Node>();
                }
                list.Add(node);
            }
        }
        return map.ToImmutableDictionary(kv => kv.Key, kv => kv.Value.ToImmutable());
    }

    /// <summary>Maps each node output to the node that produces it.</summary>
    public ImmutableDictionary<string, Node> Producers()
        => Nodes.SelectMany(n => n.Outputs.Select(o => (o, n))).ToImmutableDictionary(p => p.o, p => p.n);

    /// <summary>Total bytes of constant data (weights).</summary>
    public long ConstantBytes => Constants.Values.Sum(c => c.Type.ByteSize);

    /// <summary>The IR text form (<see cref="GraphText"/>), for --dump-ir and test failure messages; large tensors elided.</summary>
    public string Print() => GraphText.Print(this);

    /// <summary>The IR text form with <paramref name="options"/> (<see cref="GraphTextOptions.Full"/> prints text that parses back).</summary>
    public string Print(GraphTextOptions options) => GraphText.Print(this, options);
}
