using System.Collections.Frozen;
using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Abstractions.Ops;

/// <summary>
/// The one table of IR ops. Frontends produce these ops, passes rewrite them, backends declare which they lower.
/// Plugins may register more ops through <see cref="With"/> (the default registry is immutable).
/// </summary>
public sealed class OpRegistry
{
    private readonly FrozenDictionary<string, OpDefinition> _ops;

    public OpRegistry(IEnumerable<OpDefinition> ops)
        => _ops = ops.ToFrozenDictionary(o => o.Name, StringComparer.Ordinal);

    /// <summary>The standard op set (see the files in <c>Ops/Definitions</c>).</summary>
    public static OpRegistry Default { get; } = new(StandardOps.All());

    public IEnumerable<OpDefinition> All => _ops.Values.OrderBy(o => o.Name, StringComparer.Ordinal);

    public bool Contains(string op) => _ops.ContainsKey(op);

    public OpDefinition? Find(string op) => _ops.GetValueOrDefault(op);

    public OpDefinition Get(string op)
        => Find(op) ?? throw new ModelException($"op '{op}' is not in the op registry");

    public OpRegistry With(params OpDefinition[] more) => new(_ops.Values.Concat(more));

    /// <summary>Runs type inference for <paramref name="node"/> against the types and constants of <paramref name="types"/>.</summary>
    public ImmutableArray<TensorType> Infer(Node node, Func<string, TensorType?> typeOf, Func<string, TensorData?> constantOf)
    {
        var def = Find(node.Op) ?? throw new ModelException("op is not in the op registry", node: node.Name, op: node.Op);
        var types = node.Inputs.Select(i => i.Length == 0 ? null : typeOf(i)).ToImmutableArray();
        var consts = node.Inputs.Select(i => i.Length == 0 ? null : constantOf(i)).ToImmutableArray();
        if (!def.ElementTypes.IsEmpty && def.ConstrainedInput < types.Length && types[def.ConstrainedInput] is { } constrained
            && !def.ElementTypes.Contains(constrained.ElementType))
        {
            throw new ModelException(
                $"element type {constrained.ElementType.Name()} is not allowed for input {def.ConstrainedInput} (allowed: {string.Join(", ", def.ElementTypes.Select(t => t.Name()))})",
                node: node.Name, op: node.Op);
        }
        var result = def.InferTypes(new InferenceContext(node, types, consts));
        if (result.Length != node.Outputs.Length)
        {
            throw new ModelException($"inference gave {result.Length} outputs, the node has {node.Outputs.Length}", node: node.Name, op: node.Op);
        }
        return result;
    }
}
