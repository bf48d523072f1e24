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
/// serialised as a ModelProto by <see cref="ToOnnx"/>. Field numbers are those of the upstream onnx.proto.
/// </summary>
public sealed class ZooGraph
{
    private const int Float32 = 1; // TensorProto.DataType.FLOAT
    private readonly List<OnnxProtoWriter> _nodes = [];
    private readonly List<OnnxProtoWriter> _initializers = [];
    private readonly List<OnnxProtoWriter> _inputs = [];
    private readonly List<OnnxProtoWriter> _outputs = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public ZooGraph(string name) => Name = name;

    public string Name { get; }

    public long ParameterCount { get; private set; }

    public int NodeCount => _nodes.Count;

    public string Input(string name, params long[] dims)
    {
        _inputs.Add(ValueInfo(Declare(name), dims));
        return name;
    }

    public void Output(string name, params long[] dims) => _outputs.Add(ValueInfo(name, dims));

    public string Initializer(string name, long[] dims, float[] values)
    {
        if (dims.Aggregate(1L, (a, d) => a * d) != values.Length)
        {
            throw new ArgumentException($"initializer {name}: {values.Length} values for shape [{string.Join(",", dims)}]");
        }
        _initializers.Add(new OnnxProtoWriter().Varints(1, dims).Varint(2, Float32).String(8, Declare(name)).Floats(9, values));
        ParameterCount += values.Length;
        return name;
    }

    /// <summary>Adds a node whose single output is named after the node; returns that output.</summary>
    public string Node(string op, string name, string[] inputs, params ZooAttribute[] attributes)
        => Node(op, name, inputs, [name], attributes)[0];

    public string[] Node(string op, string name, string[] inputs, string[] outputs, params ZooAttribute[] attributes)
    {
        var node = new OnnxProtoWriter();
        foreach (var input in inputs)
        {
            node.String(1, input);
        }
        foreach (var output in outputs)
        {
            node.String(2, Declare(output));
        }
        node.String(3, name).String(4, op);
        foreach (var a in attributes)
        {
            node.Message(5, Attribute(a));
        }
        _nodes.Add(node);
        return outputs;
    }

    /// <summary>The ModelProto: IR version 8, default-domain opset 13.</summary>
    public byte[] ToOnnx(string producerVersion)
    {
        var graph = new OnnxProtoWriter();
        _nodes.ForEach(n => graph.Message(1, n));
        graph.String(2, Name);
        _initializers.ForEach(t => graph.Message(5, t));
        _inputs.ForEach(v => graph.Message(11, v));
        _outputs.ForEach(v => graph.Message(12, v));
        return new OnnxProtoWriter()
            .Varint(1, 8)
            .String(2, "wasmgraph zoo")
            .String(3, producerVersion)
            .Message(7, graph)
            .Message(8, new OnnxProtoWriter().String(1, "").Varint(2, 13))
            .ToArray();
    }

    /// <summary>Every value name is defined once; a repeat is a bug in a topology file, caught here rather than by ORT.</summary>
    private string Declare(string name)
        => _names.Add(name) ? name : throw new InvalidOperationException($"zoo graph {Name}: value '{name}' defined twice");

    private static OnnxProtoWriter ValueInfo(string name, long[] dims)
    {
        var shape = new OnnxProtoWriter();
        foreach (var d in dims)
        {
            shape.Message(1, new OnnxProtoWriter().Varint(1, d));
        }
        var tensor = new OnnxProtoWriter().Varint(1, Float32).Message(2, shape);
        return new OnnxProtoWriter().String(1, name).Message(2, new OnnxProtoWriter().Message(1, tensor));
    }

    private static OnnxProtoWriter Attribute(ZooAttribute a)
    {
        var w = new OnnxProtoWriter().String(1, a.Name);
        if (a.Int is { } i)
        {
            return w.Varint(3, i).Varint(20, 2);
        }
        if (a.Float is { } f)
        {
            return w.Float(2, f).Varint(20, 1);
        }
        return w.Varints(8, a.Ints ?? throw new ArgumentException($"attribute {a.Name} has no value")).Varint(20, 7);
    }
}
