using System.Collections.Frozen;
using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Abstractions.Ops;

/// <summary>
/// The one table of IR ops. Frontends produce these ops, passes rewrite them, backends declare which they lower.
/// Plugins add ops with <c>services.AddOps(...)</c>; the host builds its registry with <see cref="With"/> and hands it to
/// every stage (the default registry is immutable). An op name, and an imported (domain, op type), is defined once.
/// </summary>
public sealed class OpRegistry
{
    private readonly FrozenDictionary<string, OpDefinition> _ops;
    private readonly FrozenDictionary<(string Domain, string OpType), OpImport> _imports;

    public OpRegistry(IEnumerable<OpDefinition> ops)
    {
        var byName = new Dictionary<string, OpDefinition>(StringComparer.Ordinal);
        var imports = new Dictionary<(string, string), OpImport>();
        foreach (var op in ops)
        {
            if (!byName.TryAdd(op.Name, op))
            {
                throw new WasmGraphException($"op '{op.Name}' is defined twice in the op registry");
            }
            foreach (var import in op.Imports)
            {
                if (!imports.TryAdd((import.Domain, import.OpType), import))
                {
                    throw new WasmGraphException($"'{import.Domain}::{import.OpType}' is imported by two ops of the op registry");
                }
            }
        }
        _ops = byName.ToFrozenDictionary(StringComparer.Ordinal);
        _imports = imports.ToFrozenDictionary();
    }

    /// <summary>The standard op set (see the files in <c>Ops/Definitions</c>).</summary>
    public static OpRegistry Default { get; } = new(StandardOps.All());

    public IEnumerable<OpDefinition> All => _ops.Values.OrderBy(o => o.Name, StringComparer.Ordinal);

    public bool Contains(string op) => _ops.ContainsKey(op);

    public OpDefinition? Find(string op) => _ops.GetValueOrDefault(op);

    public OpDefinition Get(string op)
        => Find(op) ?? throw new ModelException($"op '{op}' is not in the op registry");

    public OpRegistry With(params OpDefinition[] more) => new(_ops.Values.Concat(more));

    /// <summary>The import a registry op declares for <paramref name="opType"/> of <paramref name="domain"/> ("" for ONNX's default domain), if any.</summary>
    public OpImport? FindImport(string domain, string opType) => _imports.GetValueOrDefault((domain, opType));

    /// <summary>Runs type inference for <paramref name="node"/> against the types (<paramref name="typeOf"/>) and constants (<paramref name="constantOf"/>) of its graph.</summary>
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
