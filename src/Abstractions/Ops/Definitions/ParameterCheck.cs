using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Abstractions.Ops;

/// <summary>
/// CheckParameter: a shape-deciding value given at run time (a Reshape's shape, ReduceSum's axes) checked against the
/// values the module was compiled for (docs/conformance.md, "Shape-deciding inputs at run time"). Input 0 is the
/// value; then come G groups of k inputs, the outputs of G specialisations of the node, each computed for one set of
/// accepted values. <c>candidates</c> lists every accepted value (each as many integers as input 0 has elements) and
/// <c>groups</c> the specialisation each belongs to. At run time the op finds the candidate equal to the value and
/// copies that specialisation's k results to its k outputs; a value equal to no candidate stops the run (a trap), so
/// a value that contradicts the compiled shapes never gives an output. <c>op</c> and <c>input</c> name what it checks.
/// </summary>
public static partial class StandardOps
{
    public static IEnumerable<OpDefinition> ParameterCheck()
    {
        yield return new OpDefinition(CheckParameterOp.Name, FusionKind.Opaque, CheckParameterOp.Infer,
            "passes on the outputs of the specialisation whose accepted values contain the run-time value; traps when none does")
        {
            RequiredAttributes = ["candidates", "groups", "op", "input"],
        };
    }
}

/// <summary>The attribute layout of CheckParameter, shared by its inference and its kernel.</summary>
public static class CheckParameterOp
{
    public const string Name = "CheckParameter";

    /// <summary>The types a checked value may have: what shape-deciding inputs are (integers; OneHot's depth may be a float).</summary>
    public static readonly ImmutableArray<DataType> ElementTypes = [DataType.Int64, DataType.Int32, DataType.Float32, DataType.Float64];

    /// <summary>The number of specialisations (G) and of outputs each (k), checked against the node's inputs and attributes.</summary>
    public static (int Groups, int PerGroup) Layout(Node node, long valueElements)
    {
        var candidates = node.Attributes.GetInts("candidates");
        var groups = node.Attributes.GetInts("groups");
        int groupCount = groups.Length == 0 ? 0 : (int)groups.Max() + 1;
        if (groups.Length == 0 || groups.Any(g => g < 0) || candidates.Length != groups.Length * valueElements
            || node.Inputs.Length < 1 + groupCount || (node.Inputs.Length - 1) % groupCount != 0)
        {
            throw new ModelException($"needs {valueElements} candidate values per group entry and inputs for every group " +
                                     $"(got {candidates.Length} values, {groups.Length} entries, {node.Inputs.Length - 1} results)", node: node.Name, op: node.Op);
        }
        return (groupCount, (node.Inputs.Length - 1) / groupCount);
    }

    public static ImmutableArray<TensorType> Infer(InferenceContext c)
    {
        var value = c.Input(0);
        if (!ElementTypes.Contains(value.ElementType))
        {
            throw c.Error($"the checked value must be one of {string.Join(", ", ElementTypes.Select(t => t.Name()))}, got {value}");
        }
        var (groups, perGroup) = Layout(c.Node, value.Shape.ElementCount);
        if (perGroup != c.Node.Outputs.Length)
        {
            throw c.Error($"has {perGroup} results per specialisation but {c.Node.Outputs.Length} outputs");
        }
        var types = Enumerable.Range(0, perGroup).Select(j => c.Input(1 + j)).ToImmutableArray();
        for (int g = 1; g < groups; g++)
        {
            for (int j = 0; j < perGroup; j++)
            {
                if (c.Input(1 + g * perGroup + j) != types[j])
                {
                    throw c.Error($"specialisation {g} gives output {j} as {c.Input(1 + g * perGroup + j)}, specialisation 0 as {types[j]}");
                }
            }
        }
        return types;
    }
}
