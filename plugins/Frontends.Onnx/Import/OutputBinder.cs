using System.Collections.Immutable;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import;

/// <summary>
/// Binds the ONNX graph outputs to IR values, keeping their ONNX names (the module ABI exposes them).
/// An output that an Identity or Dropout aliased to another value gets that value renamed to the output name when
/// this is safe (the value is an ordinary node result); otherwise (the value is a graph input, a constant, or another
/// output) a copy is made with a shape-preserving Reshape.
/// </summary>
internal static class OutputBinder
{
    public static void Bind(ImportContext context, IEnumerable<string> onnxOutputs)
    {
        var builder = context.Builder;
        var outputs = onnxOutputs.ToList();
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var output in outputs)
        {
            var value = context.Resolve(output);
            if (renamed.TryGetValue(value, out var newName))
            {
                value = newName;
            }
            if (!context.IsDefined(value))
            {
                throw new ModelException($"graph output '{output}' is never produced", file: context.File);
            }
            if (value != output)
            {
                if (CanRename(builder, value, outputs))
                {
                    Rename(builder, value, output);
                    renamed[value] = output;
                }
                else
                {
                    Copy(builder, value, output);
                }
            }
            builder.Outputs.Add(output);
        }
    }

    private static bool CanRename(GraphBuilder builder, string value, List<string> outputs)
        => !builder.Inputs.Contains(value)
           && !builder.Constants.ContainsKey(value)
           && !outputs.Contains(value)
           && !builder.Outputs.Contains(value);

    private static void Rename(GraphBuilder builder, string from, string to)
    {
        builder.SetType(to, builder.Types[from]);
        for (int i = 0; i < builder.Nodes.Count; i++)
        {
            var node = builder.Nodes[i];
            if (node.Inputs.Contains(from) || node.Outputs.Contains(from))
            {
                builder.Nodes[i] = node with
                {
                    Inputs = node.Inputs.Select(v => v == from ? to : v).ToImmutableArray(),
                    Outputs = node.Outputs.Select(v => v == from ? to : v).ToImmutableArray(),
                };
            }
        }
    }

    private static void Copy(GraphBuilder builder, string from, string to)
    {
        var type = builder.Types[from];
        builder.AddNode("Reshape", [from], [(to, type)], IrAttributes.Empty.With("shape", type.Shape.Dims), name: $"{to}/copy");
    }
}
