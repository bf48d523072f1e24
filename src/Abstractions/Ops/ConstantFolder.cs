using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Abstractions.Ops;

/// <summary>
/// Decides whether a node can be evaluated at compile time and does it. Shared by the ONNX importer (which folds as
/// it imports, so a Reshape whose shape comes from Shape → Gather → Concat sees a constant) and the fold-constants
/// pass (which folds whatever other passes expose).
/// </summary>
public static class ConstantFolder
{
    /// <summary>Results larger than this are left to a kernel: folding would only move bytes into the module's data.</summary>
    public const long MaxFoldedElements = 1 << 20;

    /// <summary>The node's outputs if every present input is a constant and the op has an evaluator; otherwise null.</summary>
    public static ImmutableArray<TensorData>? TryFold(Node node, OpRegistry registry, ImmutableArray<TensorType> outputTypes, Func<string, TensorData?> constantOf)
    {
        var definition = registry.Find(node.Op);
        if (definition?.Evaluate is null)
        {
            return null;
        }
        if (outputTypes.Any(t => t.ElementCount > MaxFoldedElements))
        {
            return null;
        }
        var inputs = ImmutableArray.CreateBuilder<TensorData?>(node.Inputs.Length);
        foreach (var input in node.Inputs)
        {
            if (input.Length == 0)
            {
                inputs.Add(null);
                continue;
            }
            if (constantOf(input) is not { } data)
            {
                return null;
            }
            inputs.Add(data);
        }
        var results = definition.Evaluate(node, inputs.MoveToImmutable(), outputTypes);
        for (int i = 0; i < results.Length; i++)
        {
            if (results[i].Type != outputTypes[i])
            {
                throw new InvalidOperationException($"{node.Describe()}: evaluator produced {results[i].Type}, inference says {outputTypes[i]}");
            }
        }
        return results;
    }
}
