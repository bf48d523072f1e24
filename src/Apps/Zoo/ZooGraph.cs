using Google.Protobuf;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Onnx;
using WasmGraph.Onnx.Proto;

namespace WasmGraph.Apps.Zoo;

/// <summary>An ONNX node attribute: an int, a float, or a list of ints (all the zoo's topologies need).</summary>
public sealed record ZooAttribute(string Name, long? Int = null, float? Float = null, long[]? Ints = null)
{
    public static ZooAttribute Of(string name, long value) => new(name, Int: value);
    public static ZooAttribute Of(string name, float value) => new(name, Float: value);
    public static ZooAttribute Of(string name, params long[] values) => new(name, Ints: values);
}

/// <summary>
/// A float32 ONNX graph under construction (opset 13): inputs, outputs, initializers and nodes in topological order,
/// serialised as a ModelProto by <see cref="ToOnnx"/>, built with the ONNX codec's generated classes.
/// </summary>
public sealed class ZooGraph
{
    private readonly GraphProto _graph;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public ZooGraph(string name)
    {
        Name = name;
        _graph = new GraphProto { Name = name };
    }

    public string Name { get; }

    public long ParameterCount { get; private set; }

    public int NodeCount => _graph.Node.Count;

    public string Input(string name, params long[] dims)
    {
        _graph.Input.Add(ValueInfo(Declare(name), dims));
        return name;
    }

    public void Output(string name, params long[] dims) => _graph.Output.Add(ValueInfo(name, dims));

    public string Initializer(string name, long[] dims, float[] values)
    {
        if (dims.Aggregate(1L, (a, d) => a * d) != values.Length)
        {
            throw new ArgumentException($"initializer {name}: {values.Length} values for shape [{string.Join(",", dims)}]");
        }
        _graph.Initializer.Add(OnnxTensors.ToProto(Declare(name), TensorData.FromFloats(new Shape(dims), values)));
        ParameterCount += values.Length;
        return name;
    }

    /// <summary>Adds a node whose single output is named after the node; returns that output.</summary>
    public string Node(string op, string name, string[] inputs, params ZooAttribute[] attributes)
        => Node(op, name, inputs, [name], attributes)[0];

    public string[] Node(string op, string name, string[] inputs, string[] outputs, params ZooAttribute[] attributes)
    {
        var node = new NodeProto { Name = name, OpType = op };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs.Select(Declare));
        node.Attribute.AddRange(attributes.Select(Attribute));
        _graph.Node.Add(node);
        return outputs;
    }

    /// <summary>The ModelProto: IR version 8, default-domain opset 13.</summary>
    public byte[] ToOnnx(string producerVersion)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "wasmgraph zoo", ProducerVersion = producerVersion, Graph = _graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model.ToByteArray();
    }

    /// <summary>Every value name is defined once; a repeat is a bug in a topology file, caught here rather than by ORT.</summary>
    private string Declare(string name)
        => _names.Add(name) ? name : throw new InvalidOperationException($"zoo graph {Name}: value '{name}' defined twice");

    private static ValueInfoProto ValueInfo(string name, long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)DataType.Float32, Shape = shape };
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
    }

    private static AttributeProto Attribute(ZooAttribute a)
    {
        var attribute = new AttributeProto { Name = a.Name };
        if (a.Int is { } i)
        {
            (attribute.I, attribute.Type) = (i, AttributeProto.Types.AttributeType.Int);
        }
        else if (a.Float is { } f)
        {
            (attribute.F, attribute.Type) = (f, AttributeProto.Types.AttributeType.Float);
        }
        else
        {
            attribute.Ints.AddRange(a.Ints ?? throw new ArgumentException($"attribute {a.Name} has no value"));
            attribute.Type = AttributeProto.Types.AttributeType.Ints;
        }
        return attribute;
    }
}
