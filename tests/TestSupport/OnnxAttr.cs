using Google.Protobuf;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Onnx;
using WasmGraph.Onnx.Proto;
using AttributeType = WasmGraph.Onnx.Proto.AttributeProto.Types.AttributeType;

namespace WasmGraph.TestSupport;

/// <summary>Short constructors for ONNX node attributes in test models: <c>OnnxAttr.Ints("pads", 1, 1, 1, 1)</c>.</summary>
public static class OnnxAttr
{
    public static AttributeProto Int(string name, long value)
        => new() { Name = name, Type = AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value)
        => new() { Name = name, Type = AttributeType.Float, F = value };

    public static AttributeProto String(string name, string value)
        => new() { Name = name, Type = AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Floats(string name, params float[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeType.Floats };
        attribute.Floats.AddRange(values);
        return attribute;
    }

    public static AttributeProto Tensor(string name, TensorData value)
        => new() { Name = name, Type = AttributeType.Tensor, T = OnnxTensors.ToProto(name, value, TensorEncoding.Raw) };

    /// <summary>
    /// A subgraph attribute (an If branch, a Loop or Scan body), written with the same builder as a model: its
    /// <c>Input</c>s are the formal inputs, its <c>Output</c>s the results, and names it does not define are read from
    /// the enclosing graph. <c>OnnxAttr.Graph("body", new OnnxModelBuilder().Input(…).Node(…).Output(…))</c>.
    /// </summary>
    public static AttributeProto Graph(string name, OnnxModelBuilder body)
    {
        var graph = body.Graph.Clone();
        graph.Name = name;
        return new AttributeProto { Name = name, Type = AttributeType.Graph, G = graph };
    }
}
