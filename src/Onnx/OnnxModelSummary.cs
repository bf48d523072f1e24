using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Collections;
using WasmGraph.Abstractions;
using WasmGraph.Onnx.Proto;
using Dimension = WasmGraph.Onnx.Proto.TensorShapeProto.Types.Dimension;
using TensorTypeProto = WasmGraph.Onnx.Proto.TypeProto.Types.Tensor;

namespace WasmGraph.Onnx;

/// <summary>A graph input or output as declared in the ONNX file; symbolic dimensions keep their names.</summary>
public sealed record OnnxValueInfo(string Name, string DType, IReadOnlyList<string> Dims);

/// <summary>
/// What <c>inspect</c> shows about an ONNX model: producer, opsets, metadata, inputs and outputs, the op histogram and
/// the parameter count. It is read for any file, including ones with ops no frontend supports and ones too large to
/// import, without loading the frontend plugin, so it never builds the model: each field is read as it streams past
/// (<see cref="FieldWalk"/>) and weights are skipped, never copied. Memory stays proportional to what is summarised.
/// </summary>
public sealed class OnnxModelSummary
{
    public long IrVersion { get; private set; }
    public string Producer { get; private set; } = "";
    public string ProducerVersion { get; private set; } = "";
    public string GraphName { get; private set; } = "";
    public Dictionary<string, long> Opsets { get; } = new();
    public Dictionary<string, string> MetadataProps { get; } = new();
    public List<OnnxValueInfo> Inputs { get; } = new();
    public List<OnnxValueInfo> Outputs { get; } = new();
    public Dictionary<string, int> OpHistogram { get; } = new();
    public int NodeCount { get; private set; }
    public int InitializerCount { get; private set; }
    public long ParameterCount { get; private set; }
    public long ParameterBytes { get; private set; }

    /// <summary>Summarises the model in <paramref name="bytes"/>; malformed protobuf is a <see cref="WasmGraphException"/> saying how.</summary>
    public static OnnxModelSummary Parse(byte[] bytes)
    {
        var summary = new OnnxModelSummary();
        try
        {
            new Reader(summary).Read(new CodedInputStream(bytes));
        }
        catch (Exception e) when (OnnxModelFile.IsMalformedInput(e))
        {
            throw new WasmGraphException(e.Message, e);
        }
        return summary;
    }

    /// <summary>The walks over each message the summary reads, and the fields of the message being read.</summary>
    private sealed class Reader
    {
        private readonly OnnxModelSummary _summary;
        private readonly FieldWalk _model, _graph, _node, _initializer, _opset, _property, _valueInfo, _type, _tensorType, _shape, _dimension;
        private readonly HashSet<string> _initializerNames = new(StringComparer.Ordinal);
        private readonly List<OnnxValueInfo> _graphInputs = [];
        private readonly RepeatedField<long> _dims = [];
        private static readonly FieldCodec<long> DimsCodec = FieldCodec.ForInt64(WireFormat.MakeTag(TensorProto.DimsFieldNumber, WireFormat.WireType.Varint));
        private string _name = "", _text = "", _domain = "";
        private long _version;
        private int _elementType;
        private List<string> _valueDims = [];

        public Reader(OnnxModelSummary summary)
        {
            _summary = summary;
            _dimension = new FieldWalk(Dimension.Descriptor)
                .On(Dimension.DimValueFieldNumber, input => _text = input.ReadInt64().ToString(CultureInfo.InvariantCulture))
                .On(Dimension.DimParamFieldNumber, input => _text = input.ReadString());
            _shape = new FieldWalk(TensorShapeProto.Descriptor).On(TensorShapeProto.DimFieldNumber, ReadDimension);
            _tensorType = new FieldWalk(TensorTypeProto.Descriptor)
                .On(TensorTypeProto.ElemTypeFieldNumber, input => _elementType = input.ReadInt32())
                .On(TensorTypeProto.ShapeFieldNumber, input => input.ReadMessage(_shape));
            _type = new FieldWalk(TypeProto.Descriptor).On(TypeProto.TensorTypeFieldNumber, input => input.ReadMessage(_tensorType));
            _valueInfo = new FieldWalk(ValueInfoProto.Descriptor)
                .On(ValueInfoProto.NameFieldNumber, input => _name = input.ReadString())
                .On(ValueInfoProto.TypeFieldNumber, input => input.ReadMessage(_type));
            _property = new FieldWalk(StringStringEntryProto.Descriptor)
                .On(StringStringEntryProto.KeyFieldNumber, input => _name = input.ReadString())
                .On(StringStringEntryProto.ValueFieldNumber, input => _text = input.ReadString());
            _opset = new FieldWalk(OperatorSetIdProto.Descriptor)
                .On(OperatorSetIdProto.DomainFieldNumber, input => _domain = input.ReadString())
                .On(OperatorSetIdProto.VersionFieldNumber, input => _version = input.ReadInt64());
            _initializer = new FieldWalk(TensorProto.Descriptor)
                .On(TensorProto.DimsFieldNumber, input => _dims.AddEntriesFrom(input, DimsCodec))
                .On(TensorProto.DataTypeFieldNumber, input => _elementType = input.ReadInt32())
                .On(TensorProto.NameFieldNumber, input => _name = input.ReadString());
            _node = new FieldWalk(NodeProto.Descriptor)
                .On(NodeProto.OpTypeFieldNumber, input => _text = input.ReadString())
                .On(NodeProto.DomainFieldNumber, input => _domain = input.ReadString());
            _graph = new FieldWalk(GraphProto.Descriptor)
                .On(GraphProto.NodeFieldNumber, ReadNode)
                .On(GraphProto.NameFieldNumber, input => _summary.GraphName = input.ReadString())
                .On(GraphProto.InitializerFieldNumber, ReadInitializer)
                .On(GraphProto.InputFieldNumber, input => _graphInputs.Add(ReadValueInfo(input)))
                .On(GraphProto.OutputFieldNumber, input => _summary.Outputs.Add(ReadValueInfo(input)));
            _model = new FieldWalk(ModelProto.Descriptor)
                .On(ModelProto.IrVersionFieldNumber, input => _summary.IrVersion = input.ReadInt64())
                .On(ModelProto.ProducerNameFieldNumber, input => _summary.Producer = input.ReadString())
                .On(ModelProto.ProducerVersionFieldNumber, input => _summary.ProducerVersion = input.ReadString())
                .On(ModelProto.GraphFieldNumber, input => input.ReadMessage(_graph))
                .On(ModelProto.OpsetImportFieldNumber, ReadOpset)
                .On(ModelProto.MetadataPropsFieldNumber, ReadProperty);
        }

        public void Read(CodedInputStream input)
        {
            _model.MergeFrom(input);
            // Before IR version 4, initializers were also listed as graph inputs; they are weights, not inputs.
            _summary.Inputs.AddRange(_graphInputs.Where(i => !_initializerNames.Contains(i.Name)));
        }

        private void ReadNode(CodedInputStream input)
        {
            (_text, _domain) = ("?", "");
            input.ReadMessage(_node);
            var key = _domain is "" or "ai.onnx" ? _text : $"{_domain}.{_text}";
            _summary.OpHistogram[key] = _summary.OpHistogram.GetValueOrDefault(key) + 1;
            _summary.NodeCount++;
        }

        private void ReadInitializer(CodedInputStream input)
        {
            (_name, _elementType) = ("", 0);
            _dims.Clear();
            input.ReadMessage(_initializer);
            long count = _dims.Aggregate(1L, (a, d) => a * d);
            _initializerNames.Add(_name);
            _summary.InitializerCount++;
            _summary.ParameterCount += count;
            _summary.ParameterBytes += count * OnnxElementTypes.ByteSize(_elementType);
        }

        private void ReadOpset(CodedInputStream input)
        {
            (_domain, _version) = ("", 0);
            input.ReadMessage(_opset);
            _summary.Opsets[_domain.Length == 0 ? "ai.onnx" : _domain] = _version;
        }

        private void ReadProperty(CodedInputStream input)
        {
            (_name, _text) = ("", "");
            input.ReadMessage(_property);
            _summary.MetadataProps[_name] = _text;
        }

        /// <summary>ValueInfoProto → TypeProto → its tensor_type → elem_type and shape → each Dimension.</summary>
        private OnnxValueInfo ReadValueInfo(CodedInputStream input)
        {
            (_name, _elementType, _valueDims) = ("", 0, []);
            input.ReadMessage(_valueInfo);
            return new OnnxValueInfo(_name, OnnxElementTypes.DisplayName(_elementType), _valueDims);
        }

        private void ReadDimension(CodedInputStream input)
        {
            _text = "?"; // neither dim_value nor dim_param: an unknown dimension
            input.ReadMessage(_dimension);
            _valueDims.Add(_text);
        }
    }
}
