using Google.Protobuf;
using WasmGraph.Onnx.Proto;

namespace WasmGraph.Host.Tests;

/// <summary>
/// A 1000-class classifier small enough to compile in a second: GlobalAveragePool over [1,3,8,8], Flatten, Gemm to
/// 1000 logits. No trained ImageNet classifier is reachable offline (DATA.md), so the labels flow is tested on this
/// one, with one class's bias raised so the expected top-1 is known.
/// </summary>
public static class TinyClassifier
{
    public static string Write(string path, int favoured)
    {
        var random = new Random(5);
        var weights = Enumerable.Range(0, 1000 * 3).Select(_ => (float)(random.NextDouble() - 0.5) * 0.1f).ToArray();
        var bias = Enumerable.Range(0, 1000).Select(i => i == favoured ? 5f : (float)(random.NextDouble() - 0.5)).ToArray();
        var graph = new GraphProto { Name = "tiny-classifier" };
        graph.Input.Add(Value("x", 1, 3, 8, 8));
        graph.Output.Add(Value("logits", 1, 1000));
        graph.Initializer.Add(Tensor("w", weights, 1000, 3));
        graph.Initializer.Add(Tensor("b", bias, 1000));
        graph.Node.Add(Node("GlobalAveragePool", ["x"], ["pooled"]));
        graph.Node.Add(Node("Flatten", ["pooled"], ["flat"]));
        var gemm = Node("Gemm", ["flat", "w", "b"], ["logits"]);
        gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(gemm);
        var model = new ModelProto { IrVersion = 8, ProducerName = "WasmGraph.Host.Tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs)
    {
        var node = new NodeProto { OpType = op, Name = op.ToLowerInvariant() };
        node.Input.Add(inputs);
        node.Output.Add(outputs);
        return node;
    }

    private static TensorProto Tensor(string name, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.Add(dims);
        tensor.FloatData.Add(values);
        return tensor;
    }

    private static ValueInfoProto Value(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
