using System.Collections.Immutable;

namespace WasmGraph.Abstractions.Ir;

/// <summary>
/// Joins two graphs into one: the outputs of <c>first</c> feed the inputs of <c>second</c>, in order.
/// Why: models often ship their preprocessing as a separate ONNX file (the ResNet18 featurizer's mean-image
/// subtraction and RGB→BGR swap); compiling both as one module makes preprocessing part of the static program.
/// Values of <c>first</c> are renamed with a prefix so the two namespaces cannot collide.
/// </summary>
public static class GraphComposition
{
    public static Graph Chain(Graph first, Graph second, string prefix = "pre/")
    {
        if (first.Outputs.Length != second.Inputs.Length)
        {
            throw new ModelException($"cannot chain '{first.Name}' into '{second.Name}': {first.Outputs.Length} outputs feed {second.Inputs.Length} inputs");
        }
        for (int i = 0; i < first.Outputs.Length; i++)
        {
            var produced = first.TypeOf(first.Outputs[i]);
            var expected = second.TypeOf(second.Inputs[i]);
            if (produced != expected)
            {
                throw new ModelException($"cannot chain '{first.Name}' into '{second.Name}': output '{first.Outputs[i]}' is {produced} but input '{second.Inputs[i]}' expects {expected}");
            }
        }

        // First-graph inputs keep their names (they become the chained model's inputs); everything else is prefixed.
        string Rename(string value) => value.Length == 0 || first.Inputs.Contains(value) ? value : prefix + value;
        var joins = second.Inputs.Select((input, i) => (input, Rename(first.Outputs[i]))).ToDictionary(p => p.input, p => p.Item2, StringComparer.Ordinal);
        string Map(string value) => joins.GetValueOrDefault(value, value);

        var builder = new GraphBuilder(second.Name);
        foreach (var input in first.Inputs)
        {
            builder.AddInput(input, first.TypeOf(input));
        }
        foreach (var (name, data) in first.Constants)
        {
            builder.AddConstant(Rename(name), data);
        }
        foreach (var (name, data) in second.Constants)
        {
            builder.AddConstant(name, data);
        }
        foreach (var node in first.Nodes)
        {
            var renamed = node with
            {
                Name = prefix + node.Name,
                Inputs = node.Inputs.Select(Rename).ToImmutableArray(),
                Outputs = node.Outputs.Select(Rename).ToImmutableArray(),
            };
            foreach (var output in node.Outputs)
            {
                builder.SetType(Rename(output), first.TypeOf(output));
            }
            builder.Nodes.Add(renamed);
        }
        foreach (var node in second.Nodes)
        {
            foreach (var output in node.Outputs)
            {
                builder.SetType(output, second.TypeOf(output));
            }
            builder.Nodes.Add(node with { Inputs = node.Inputs.Select(Map).ToImmutableArray() });
        }
        builder.Outputs.AddRange(second.Outputs.Select(Map));
        foreach (var (key, value) in second.Metadata)
        {
            builder.Metadata[key] = value;
        }
        return builder.Build();
    }
}
