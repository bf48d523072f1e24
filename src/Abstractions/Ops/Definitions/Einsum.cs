using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using static WasmGraph.Abstractions.Ops.ShapeMath;

namespace WasmGraph.Abstractions.Ops;

/// <summary>
/// Einsum in canonical form: <c>equation</c> names every axis of every operand with one letter (the frontend has
/// expanded "..." into letters) and always has an explicit "->" output. A letter repeated in one operand takes its
/// diagonal; letters missing from the output are summed over.
/// </summary>
public static partial class StandardOps
{
    public static IEnumerable<OpDefinition> Einsum()
    {
        yield return new OpDefinition("Einsum", FusionKind.Opaque, InferEinsum, "sum of products over named axes (explicit, ellipsis-free equation)")
        {
            RequiredAttributes = ["equation"],
        };
    }

    /// <summary>Splits a canonical equation into operand terms and the output term.</summary>
    public static (string[] Inputs, string Output) ParseEinsum(string equation)
    {
        var sides = equation.Split("->");
        return sides.Length == 2 ? (sides[0].Split(','), sides[1]) : throw new FormatException($"equation '{equation}' has no single '->'");
    }

    /// <summary>The extent of every letter, checked to agree between operands.</summary>
    public static Dictionary<char, long> EinsumExtents(string[] terms, IReadOnlyList<Shape> shapes)
    {
        var extents = new Dictionary<char, long>();
        for (int t = 0; t < terms.Length; t++)
        {
            if (terms[t].Length != shapes[t].Rank)
            {
                throw new FormatException($"term '{terms[t]}' names {terms[t].Length} axes, the operand has shape {shapes[t]}");
            }
            for (int d = 0; d < terms[t].Length; d++)
            {
                if (extents.TryGetValue(terms[t][d], out var known) && known != shapes[t][d])
                {
                    throw new FormatException($"axis '{terms[t][d]}' is {known} in one place and {shapes[t][d]} in another");
                }
                extents[terms[t][d]] = shapes[t][d];
            }
        }
        return extents;
    }

    private static ImmutableArray<TensorType> InferEinsum(InferenceContext c)
    {
        try
        {
            var (inputs, output) = ParseEinsum(c.Attributes.GetString("equation", ""));
            if (inputs.Length != c.InputCount)
            {
                throw new FormatException($"{inputs.Length} terms for {c.InputCount} operands");
            }
            var extents = EinsumExtents(inputs, Enumerable.Range(0, c.InputCount).Select(i => c.Input(i).Shape).ToList());
            if (output.Any(l => !extents.ContainsKey(l)) || output.Distinct().Count() != output.Length)
            {
                throw new FormatException($"output '{output}' must name distinct input axes");
            }
            return One(c.Input(0).ElementType, new Shape(output.Select(l => extents[l]).ToArray()));
        }
        catch (FormatException ex)
        {
            throw c.Error(ex.Message);
        }
    }
}
