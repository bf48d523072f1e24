using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;

namespace WasmGraph.Frontends.Onnx.Import;

/// <summary>
/// Decides whether a value an importer needs at compile time (pads, axes, a shape, K…) is known, after folding
/// everything it is computed from. Nodes are imported in topological order and each is folded as it is emitted
/// (<see cref="ImportContext.Emit(OnnxNode, Node)"/>), so by the time an importer asks, the whole cone of the value has
/// been folded as far as the per-node rule goes: that single sweep is the fixpoint of constant propagation over a DAG.
/// The per-node rule leaves results larger than <see cref="ConstantFolder.MaxFoldedElements"/> as kernels (as module
/// data they would only cost bytes); this class folds such a cone on demand, for the value asked about only. When the
/// value still is not constant it names what keeps it at run time: the graph inputs it is computed from (which
/// <c>--bind</c> can freeze), and the first node on the way whose op has no compile-time evaluator.
/// </summary>
internal sealed class ConstantResolver
{
    private readonly GraphBuilder _builder;
    private readonly OpRegistry _registry;
    private readonly Dictionary<string, TensorData?> _resolved = new(StringComparer.Ordinal);

    public ConstantResolver(GraphBuilder builder, OpRegistry registry)
    {
        _builder = builder;
        _registry = registry;
    }

    /// <summary>The value of <paramref name="value"/> if every node it is computed from can be evaluated; else null.</summary>
    public TensorData? TryResolve(string value)
    {
        var producers = Producers();
        return Resolve(value, producers, depth: 0);
    }

    /// <summary>
    /// Why <paramref name="value"/> is not a constant: the graph inputs it is computed from, and the first node on the
    /// way whose op has no compile-time evaluator (null when every node has one).
    /// </summary>
    public (IReadOnlyList<string> Inputs, Node? Unevaluable) WhyNotConstant(string value)
    {
        var producers = Producers();
        var inputs = new SortedSet<string>(StringComparer.Ordinal);
        Node? unevaluable = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([value]);
        while (pending.TryPop(out var name))
        {
            if (!seen.Add(name) || _builder.Constants.ContainsKey(name))
            {
                continue;
            }
            if (_builder.Inputs.Contains(name))
            {
                inputs.Add(name);
            }
            else if (producers.TryGetValue(name, out var node))
            {
                if (unevaluable is null && _registry.Find(node.Op)?.Evaluate is null)
                {
                    unevaluable = node;
                }
                foreach (var input in node.Inputs.Where(i => i.Length > 0))
                {
                    pending.Push(input);
                }
            }
        }
        return (inputs.ToList(), unevaluable);
    }

    /// <summary>Deep enough for any exporter's shape program; deeper chains are left as they are rather than risk the stack.</summary>
    private const int MaxDepth = 256;

    private TensorData? Resolve(string value, IReadOnlyDictionary<string, Node> producers, int depth)
    {
        if (_builder.Constants.TryGetValue(value, out var constant))
        {
            return constant;
        }
        if (_resolved.TryGetValue(value, out var known))
        {
            return known;
        }
        TensorData? result = null;
        if (depth < MaxDepth && producers.TryGetValue(value, out var node) && _registry.Find(node.Op)?.Evaluate is { } evaluate)
        {
            var inputs = ImmutableArray.CreateBuilder<TensorData?>(node.Inputs.Length);
            foreach (var input in node.Inputs)
            {
                inputs.Add(input.Length == 0 ? null : Resolve(input, producers, depth + 1));
                if (input.Length > 0 && inputs[^1] is null)
                {
                    _resolved[value] = null;
                    return null;
                }
            }
            // The output types were checked against the import limits when the node was emitted.
            var types = node.Outputs.Select(o => _builder.Types[o]).ToImmutableArray();
            var outputs = evaluate(node, inputs.MoveToImmutable(), types);
            for (int i = 0; i < node.Outputs.Length; i++)
            {
                _resolved[node.Outputs[i]] = outputs[i];
            }
            result = outputs[node.Outputs.IndexOf(value)];
        }
        _resolved[value] = result;
        return result;
    }

    private Dictionary<string, Node> Producers()
    {
        var producers = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var node in _builder.Nodes)
        {
            foreach (var output in node.Outputs)
            {
                producers[output] = node;
            }
        }
        return producers;
    }
}
