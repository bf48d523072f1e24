using System.Text;
using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>
/// Einsum: rewrites the equation into the canonical form (docs/ir.md): spaces removed, each "..." replaced by
/// uppercase letters the equation does not use (right-aligned, so shorter ellipses share the trailing letters), and
/// the implicit output made explicit (ellipsis letters, then the letters used once, alphabetically).
/// </summary>
internal static class EinsumImporter
{
    public static void Einsum(OnnxNode node, int opset, ImportContext context)
    {
        var equation = node.Attributes.String("equation", "").Replace(" ", "", StringComparison.Ordinal);
        var arrow = equation.IndexOf("->", StringComparison.Ordinal);
        var terms = (arrow < 0 ? equation : equation[..arrow]).Split(',');
        string? output = arrow < 0 ? null : equation[(arrow + 2)..];
        if (terms.Length != node.Inputs.Count)
        {
            throw context.Error(node, $"equation '{equation}' has {terms.Length} terms for {node.Inputs.Count} inputs");
        }
        var free = new Queue<char>(Enumerable.Range('A', 26).Select(c => (char)c).Where(c => !equation.Contains(c)));
        int ellipsisRank = 0;
        for (int i = 0; i < terms.Length; i++)
        {
            if (terms[i].Contains("...", StringComparison.Ordinal))
            {
                ellipsisRank = Math.Max(ellipsisRank, context.InputShape(node, i).Rank - (terms[i].Length - 3));
            }
        }
        if (ellipsisRank > free.Count)
        {
            throw context.Unsupported(node, $"an ellipsis of rank {ellipsisRank}");
        }
        var ellipsis = new string(Enumerable.Range(0, ellipsisRank).Select(_ => free.Dequeue()).ToArray());
        for (int i = 0; i < terms.Length; i++)
        {
            if (terms[i].Contains("...", StringComparison.Ordinal))
            {
                int rank = context.InputShape(node, i).Rank - (terms[i].Length - 3);
                terms[i] = terms[i].Replace("...", ellipsis[(ellipsisRank - rank)..], StringComparison.Ordinal);
            }
        }
        if (output is null)
        {
            var counts = terms.SelectMany(t => t).Where(char.IsLower).GroupBy(c => c).Where(g => g.Count() == 1).Select(g => g.Key).Order();
            output = ellipsis + new string(counts.ToArray());
        }
        else
        {
            output = output.Replace("...", ellipsis, StringComparison.Ordinal);
        }
        var canonical = new StringBuilder().AppendJoin(',', terms).Append("->").Append(output).ToString();
        context.EmitDirect(node, "Einsum", IrAttributes.Empty.With("equation", canonical), inputCount: terms.Length);
    }
}
