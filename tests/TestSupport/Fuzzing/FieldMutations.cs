using Google.Protobuf;
using WasmGraph.Onnx.Proto;
using AttributeType = WasmGraph.Onnx.Proto.AttributeProto.Types.AttributeType;

namespace WasmGraph.TestSupport.Fuzzing;

/// <summary>
/// Mutations that keep the protobuf well-formed but make the model wrong: swapped or renamed fields, shapes that lie,
/// element types that do not match their data, nodes out of order, absurd attribute values. These get past the parser
/// and test the importer, the op registry's inference and the size limits.
/// </summary>
public static class FieldMutations
{
    private static readonly long[] Dims = [0, 1, 2, 3, 7, 64, -1, -7, 1 << 20, int.MaxValue, 1L << 31, 1L << 40, 1_000_000_000_000, long.MaxValue];
    private static readonly string[] Ops =
    [
        "Relu", "Sigmoid", "Add", "Mul", "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "Gemm", "MatMul", "Reshape",
        "Transpose", "Concat", "Softmax", "Flatten", "Clip", "BatchNormalization", "Squeeze", "Unsqueeze", "Split", "Identity",
        "Dropout", "Constant", "If", "Loop", "", "NoSuchOp",
    ];

    /// <summary>Applies 1–3 random field mutations to a parsed copy of <paramref name="seed"/>.</summary>
    public static byte[] Mutate(byte[] seed, Random random)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(seed);
        }
        catch (InvalidProtocolBufferException)
        {
            return ByteMutations.FlipBits(seed, random);
        }
        model.Graph ??= new GraphProto();
        for (int n = random.Next(1, 4); n > 0; n--)
        {
            MutateOnce(model, random);
        }
        return model.ToByteArray();
    }

    /// <summary>Declares an absurd shape on one initializer or input (10^12 elements, rank 100, 2^40 dims) without data.</summary>
    public static byte[] DeclareHuge(byte[] seed, Random random)
    {
        var model = ModelProto.Parser.ParseFrom(seed);
        model.Graph ??= new GraphProto();
        long[] dims = random.Next(4) switch
        {
            0 => [1_000_000, 1_000_000],
            1 => Enumerable.Repeat(2L, 100).ToArray(),
            2 => [1L << 40],
            _ => [1 << 16, 1 << 16, 1 << 16],
        };
        if (model.Graph.Initializer.Count > 0 && random.Next(2) == 0)
        {
            var tensor = model.Graph.Initializer[random.Next(model.Graph.Initializer.Count)];
            tensor.Dims.Clear();
            tensor.Dims.AddRange(dims);
        }
        else if (model.Graph.Input.Count > 0 && model.Graph.Input[0].Type?.TensorType is { } type)
        {
            type.Shape = new TensorShapeProto();
            type.Shape.Dim.AddRange(dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        }
        else
        {
            var tensor = new TensorProto { Name = "huge", DataType = (int)TensorProto.Types.DataType.Float };
            tensor.Dims.AddRange(dims);
            model.Graph.Initializer.Add(tensor);
        }
        return model.ToByteArray();
    }

    private static void MutateOnce(ModelProto model, Random random)
    {
        var graph = model.Graph;
        var nodes = graph.Node;
        switch (random.Next(12))
        {
            case 0 when graph.Initializer.Count > 0:
                var tensor = Pick(graph.Initializer, random);
                if (random.Next(2) == 0 && tensor.Dims.Count > 0)
                {
                    tensor.Dims[random.Next(tensor.Dims.Count)] = Pick(Dims, random);
                }
                else if (random.Next(2) == 0)
                {
                    tensor.Dims.Add(Pick(Dims, random));
                }
                else
                {
                    tensor.Dims.Clear();
                }
                break;
            case 1 when graph.Initializer.Count > 0:
                Pick(graph.Initializer, random).DataType = random.Next(-2, 26);
                break;
            case 2 when nodes.Count > 1:
                int a = random.Next(nodes.Count), b = random.Next(nodes.Count);
                (nodes[a], nodes[b]) = (nodes[b], nodes[a]);
                break;
            case 3 when nodes.Count > 0:
                Pick(nodes, random).OpType = Pick(Ops, random);
                break;
            case 4 when nodes.Count > 0:
                var node = Pick(nodes, random);
                var names = nodes.SelectMany(n => n.Output).Concat(graph.Input.Select(i => i.Name)).Append("").Append("ghost").ToList();
                if (node.Input.Count > 0 && random.Next(3) > 0)
                {
                    node.Input[random.Next(node.Input.Count)] = Pick(names, random);
                }
                else
                {
                    node.Input.Add(Pick(names, random));
                }
                break;
            case 5 when nodes.Count > 0 && nodes.Any(n => n.Attribute.Count > 0):
                MutateAttribute(Pick(nodes.Where(n => n.Attribute.Count > 0).ToList(), random), random);
                break;
            case 6 when graph.Input.Count > 0 && graph.Input[0].Type?.TensorType?.Shape is { } shape:
                if (shape.Dim.Count > 0 && random.Next(3) > 0)
                {
                    var dim = shape.Dim[random.Next(shape.Dim.Count)];
                    if (random.Next(2) == 0) { dim.DimValue = Pick(Dims, random); } else { dim.DimParam = "N"; }
                }
                else
                {
                    shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = Pick(Dims, random) });
                }
                break;
            case 7:
                model.OpsetImport.Clear();
                model.OpsetImport.Add(new OperatorSetIdProto { Domain = random.Next(4) == 0 ? "ai.onnx.ml" : "", Version = Pick<long>([0, -1, 1, 6, 7, 11, 13, 17, 21, 99, long.MaxValue], random) });
                break;
            case 8 when nodes.Count > 0:
                var duplicate = Pick(nodes, random).Clone();
                nodes.Insert(random.Next(nodes.Count + 1), duplicate);
                break;
            case 9 when graph.Initializer.Count > 0:
                var t = Pick(graph.Initializer, random);
                if (t.RawData.Length > 0)
                {
                    t.RawData = ByteString.CopyFrom(t.RawData.Span[..random.Next(t.RawData.Length)]);
                }
                else
                {
                    t.FloatData.Add(float.NaN);
                }
                break;
            case 10 when graph.Output.Count > 0:
                Pick(graph.Output, random).Name = Pick(nodes.SelectMany(n => n.Input).Append("ghost").Append("").ToList(), random);
                break;
            default:
                if (graph.Initializer.Count > 0)
                {
                    graph.Initializer.RemoveAt(random.Next(graph.Initializer.Count));
                }
                else if (nodes.Count > 0)
                {
                    nodes.RemoveAt(random.Next(nodes.Count));
                }
                break;
        }
    }

    private static void MutateAttribute(NodeProto node, Random random)
    {
        var attribute = Pick(node.Attribute, random);
        switch (random.Next(5))
        {
            case 0:
                attribute.Type = (AttributeType)random.Next(0, 15);
                break;
            case 1:
                attribute.Ints.Clear();
                attribute.Ints.AddRange(Enumerable.Range(0, random.Next(0, 9)).Select(_ => Pick(Dims, random)));
                break;
            case 2:
                attribute.I = Pick(Dims, random);
                attribute.F = Pick([float.NaN, float.PositiveInfinity, -1e38f, 0f, -0f], random);
                break;
            case 3:
                node.Attribute.Add(attribute.Clone());
                break;
            default:
                node.Attribute.Remove(attribute);
                break;
        }
    }

    private static T Pick<T>(IList<T> items, Random random) => items[random.Next(items.Count)];
}
