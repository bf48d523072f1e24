using Google.Protobuf;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Onnx;
using WasmGraph.Onnx.Proto;

namespace WasmGraph.TestSupport;

/// <summary>
/// Builds tiny ONNX models in test code, so each op test states its model in a few lines:
/// <code>
/// var bytes = new OnnxModelBuilder().Opset(13)
///     .Input("x", DataType.Float32, 1, 3, 8, 8)
///     .Initializer("w", weights)
///     .Node("Conv", ["x", "w"], ["y"], OnnxAttr.Ints("pads", 1, 1, 1, 1))
///     .Output("y", DataType.Float32)
///     .ToBytes();
/// </code>
/// </summary>
public sealed class OnnxModelBuilder
{
    private readonly ModelProto _model = new()
    {
        IrVersion = 8,
        ProducerName = "WasmGraph.TestSupport",
        Graph = new GraphProto { Name = "test" },
    };

    private readonly Dictionary<string, long> _opsets = new(StringComparer.Ordinal) { [""] = 13 };

    /// <summary>The underlying graph, for tests that need a field the builder does not cover.</summary>
    public GraphProto Graph => _model.Graph;

    /// <summary>Sets the default-domain opset (13 unless set).</summary>
    public OnnxModelBuilder Opset(long version) => Opset("", version);

    public OnnxModelBuilder Opset(string domain, long version)
    {
        _opsets[domain] = version;
        return this;
    }

    public OnnxModelBuilder IrVersion(long version)
    {
        _model.IrVersion = version;
        return this;
    }

    public OnnxModelBuilder Name(string graphName)
    {
        _model.Graph.Name = graphName;
        return this;
    }

    public OnnxModelBuilder Producer(string name, string version)
    {
        _model.ProducerName = name;
        _model.ProducerVersion = version;
        return this;
    }

    public OnnxModelBuilder Doc(string text)
    {
        _model.DocString = text;
        return this;
    }

    /// <summary>A graph input with a fully static shape.</summary>
    public OnnxModelBuilder Input(string name, DataType type, params long[] dims)
    {
        _model.Graph.Input.Add(ValueInfo(name, type, dims.Select(d => d.ToString()).ToArray()));
        return this;
    }

    /// <summary>
    /// A graph input whose dimensions are written as text: a number is a fixed size, "?" an unknown dimension, and
    /// anything else a symbolic one (dim_param), e.g. <c>SymbolicInput("x", Float32, "N", "3", "?", "224")</c>.
    /// </summary>
    public OnnxModelBuilder SymbolicInput(string name, DataType type, params string[] dims)
    {
        _model.Graph.Input.Add(ValueInfo(name, type, dims));
        return this;
    }

    /// <summary>A graph input of unknown rank (no shape at all).</summary>
    public OnnxModelBuilder ShapelessInput(string name, DataType type)
    {
        _model.Graph.Input.Add(ValueInfo(name, type, dims: null));
        return this;
    }

    /// <summary>
    /// A weight. <paramref name="alsoListAsInput"/> repeats it in graph.input, as files of IR version &lt; 4 do.
    /// </summary>
    public OnnxModelBuilder Initializer(string name, TensorData data, TensorEncoding encoding = TensorEncoding.Raw, bool alsoListAsInput = false)
    {
        _model.Graph.Initializer.Add(OnnxTensors.ToProto(name, data, encoding));
        if (alsoListAsInput)
        {
            _model.Graph.Input.Add(ValueInfo(name, data.Type.ElementType, data.Type.Shape.Dims.Select(d => d.ToString()).ToArray()));
        }
        return this;
    }

    /// <summary>A hand-made initializer, for tests of malformed tensors.</summary>
    public OnnxModelBuilder Initializer(TensorProto tensor)
    {
        _model.Graph.Initializer.Add(tensor);
        return this;
    }

    /// <summary>A node of the default domain; its name is empty, so importers name it <c>op_index</c>.</summary>
    public OnnxModelBuilder Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
        => NamedNode("", op, inputs, outputs, attributes);

    public OnnxModelBuilder NamedNode(string name, string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
        => DomainNode("", name, op, inputs, outputs, attributes);

    public OnnxModelBuilder DomainNode(string domain, string name, string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { Name = name, OpType = op, Domain = domain };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        _model.Graph.Node.Add(node);
        return this;
    }

    /// <summary>A graph output; without <paramref name="dims"/> its shape is left undeclared.</summary>
    public OnnxModelBuilder Output(string name, DataType type, params long[] dims)
    {
        _model.Graph.Output.Add(ValueInfo(name, type, dims.Length == 0 ? null : dims.Select(d => d.ToString()).ToArray()));
        return this;
    }

    public ModelProto ToModel()
    {
        var model = _model.Clone();
        model.OpsetImport.Clear();
        model.OpsetImport.AddRange(_opsets.Select(kv => new OperatorSetIdProto { Domain = kv.Key, Version = kv.Value }));
        return model;
    }

    public byte[] ToBytes() => ToModel().ToByteArray();

    public void Save(string path) => File.WriteAllBytes(path, ToBytes());

    private static ValueInfoProto ValueInfo(string name, DataType type, string[]? dims)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)type };
        if (dims is not null)
        {
            tensorType.Shape = new TensorShapeProto();
            foreach (var dim in dims)
            {
                var d = new TensorShapeProto.Types.Dimension();
                if (long.TryParse(dim, out var size))
                {
                    d.DimValue = size;
                }
                else if (dim != "?")
                {
                    d.DimParam = dim;
                }
                tensorType.Shape.Dim.Add(d);
            }
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }
}
