using WasmGraph.Abstractions;

namespace WasmGraph.Host.IO;

/// <summary>A graph input or output as declared in the ONNX file; symbolic dimensions keep their names.</summary>
public sealed record OnnxValueInfo(string Name, string DType, IReadOnlyList<string> Dims);

/// <summary>
/// What <c>inspect</c> shows about an ONNX model, read straight from the protobuf (field numbers from onnx.proto:
/// ModelProto 1 ir_version, 2 producer_name, 3 producer_version, 7 graph, 8 opset_import, 14 metadata_props;
/// GraphProto 1 node, 2 name, 5 initializer, 11 input, 12 output; NodeProto 4 op_type, 7 domain;
/// TensorProto 1 dims, 2 data_type; ValueInfoProto 1 name, 2 type).
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

    public static OnnxModelSummary Read(string path)
    {
        var bytes = InputFile.ReadAllBytes(path, "model file", InputFile.OnnxMaxBytes);
        try
        {
            return Parse(bytes);
        }
        catch (WasmGraphException e)
        {
            throw new ModelException($"not a valid ONNX model: {e.Message}", path, inner: e);
        }
    }

    public static OnnxModelSummary Parse(ReadOnlySpan<byte> bytes)
    {
        var summary = new OnnxModelSummary();
        var reader = new ProtoWireReader(bytes);
        var initializers = new HashSet<string>();
        var graphInputs = new List<OnnxValueInfo>();
        while (!reader.End)
        {
            var (field, wire) = reader.ReadKey();
            switch (field)
            {
                case 1 when wire == 0: summary.IrVersion = (long)reader.ReadVarint(); break;
                case 2 when wire == 2: summary.Producer = reader.ReadString(); break;
                case 3 when wire == 2: summary.ProducerVersion = reader.ReadString(); break;
                case 7 when wire == 2: summary.ReadGraph(reader.ReadBytes(), initializers, graphInputs); break;
                case 8 when wire == 2: summary.ReadOpset(reader.ReadBytes()); break;
                case 14 when wire == 2: summary.ReadMetadataProp(reader.ReadBytes()); break;
                default: reader.Skip(wire); break;
            }
        }
        // Before IR version 4, initializers were also listed as graph inputs; they are weights, not inputs.
        summary.Inputs.AddRange(graphInputs.Where(i => !initializers.Contains(i.Name)));
        return summary;
    }

    private void ReadGraph(ReadOnlySpan<byte> bytes, HashSet<string> initializers, List<OnnxValueInfo> graphInputs)
    {
        var reader = new ProtoWireReader(bytes);
        while (!reader.End)
        {
            var (field, wire) = reader.ReadKey();
            switch (field)
            {
                case 1 when wire == 2: ReadNode(reader.ReadBytes()); break;
                case 2 when wire == 2: GraphName = reader.ReadString(); break;
                case 5 when wire == 2: ReadInitializer(reader.ReadBytes(), initializers); break;
                case 11 when wire == 2: graphInputs.Add(ReadValueInfo(reader.ReadBytes())); break;
                case 12 when wire == 2: Outputs.Add(ReadValueInfo(reader.ReadBytes())); break;
                default: reader.Skip(wire); break;
            }
        }
    }

    private void ReadNode(ReadOnlySpan<byte> bytes)
    {
        var reader = new ProtoWireReader(bytes);
        string op = "?", domain = "";
        while (!reader.End)
        {
            var (field, wire) = reader.ReadKey();
            if (field == 4 && wire == 2) { op = reader.ReadString(); }
            else if (field == 7 && wire == 2) { domain = reader.ReadString(); }
            else { reader.Skip(wire); }
        }
        var key = domain is "" or "ai.onnx" ? op : $"{domain}.{op}";
        OpHistogram[key] = OpHistogram.GetValueOrDefault(key) + 1;
        NodeCount++;
    }

    private void ReadInitializer(ReadOnlySpan<byte> bytes, HashSet<string> initializers)
    {
        var reader = new ProtoWireReader(bytes);
        var dims = new List<long>();
        int dataType = 0;
        string name = "";
        while (!reader.End)
        {
            var (field, wire) = reader.ReadKey();
            if (field == 1) { reader.ReadInt64s(wire, dims); }
            else if (field == 2 && wire == 0) { dataType = (int)reader.ReadVarint(); }
            else if (field == 8 && wire == 2) { name = reader.ReadString(); }
            else { reader.Skip(wire); }
        }
        long count = dims.Aggregate(1L, (a, d) => a * d);
        initializers.Add(name);
        InitializerCount++;
        ParameterCount += count;
        ParameterBytes += count * OnnxTypes.ByteSize(dataType);
    }

    private void ReadOpset(ReadOnlySpan<byte> bytes)
    {
        var reader = new ProtoWireReader(bytes);
        string domain = "";
        long version = 0;
        while (!reader.End)
        {
            var (field, wire) = reader.ReadKey();
            if (field == 1 && wire == 2) { domain = reader.ReadString(); }
            else if (field == 2 && wire == 0) { version = (long)reader.ReadVarint(); }
            else { reader.Skip(wire); }
        }
        Opsets[domain.Length == 0 ? "ai.onnx" : domain] = version;
    }

    private void ReadMetadataProp(ReadOnlySpan<byte> bytes)
    {
        var reader = new ProtoWireReader(bytes);
        string key = "", value = "";
        while (!reader.End)
        {
            var (field, wire) = reader.ReadKey();
            if (field == 1 && wire == 2) { key = reader.ReadString(); }
            else if (field == 2 && wire == 2) { value = reader.ReadString(); }
            else { reader.Skip(wire); }
        }
        MetadataProps[key] = value;
    }

    /// <summary>ValueInfoProto → TypeProto (1 tensor_type) → Tensor (1 elem_type, 2 shape) → Dimension (1 value, 2 param).</summary>
    private static OnnxValueInfo ReadValueInfo(ReadOnlySpan<byte> bytes)
    {
        var reader = new ProtoWireReader(bytes);
        string name = "";
        int elemType = 0;
        var dims = new List<string>();
        while (!reader.End)
        {
            var (field, wire) = reader.ReadKey();
            if (field == 1 && wire == 2) { name = reader.ReadString(); }
            else if (field == 2 && wire == 2) { ReadTypeProto(reader.ReadBytes(), ref elemType, dims); }
            else { reader.Skip(wire); }
        }
        return new OnnxValueInfo(name, OnnxTypes.Name(elemType), dims);
    }

    private static void ReadTypeProto(ReadOnlySpan<byte> bytes, ref int elemType, List<string> dims)
    {
        var type = new ProtoWireReader(bytes);
        while (!type.End)
        {
            var (field, wire) = type.ReadKey();
            if (field != 1 || wire != 2) { type.Skip(wire); continue; }
            var tensor = new ProtoWireReader(type.ReadBytes());
            while (!tensor.End)
            {
                var (tf, tw) = tensor.ReadKey();
                if (tf == 1 && tw == 0) { elemType = (int)tensor.ReadVarint(); }
                else if (tf == 2 && tw == 2) { ReadShape(tensor.ReadBytes(), dims); }
                else { tensor.Skip(tw); }
            }
        }
    }

    private static void ReadShape(ReadOnlySpan<byte> bytes, List<string> dims)
    {
        var shape = new ProtoWireReader(bytes);
        while (!shape.End)
        {
            var (field, wire) = shape.ReadKey();
            if (field != 1 || wire != 2) { shape.Skip(wire); continue; }
            var dim = new ProtoWireReader(shape.ReadBytes());
            string text = "?";
            while (!dim.End)
            {
                var (df, dw) = dim.ReadKey();
                if (df == 1 && dw == 0) { text = ((long)dim.ReadVarint()).ToString(System.Globalization.CultureInfo.InvariantCulture); }
                else if (df == 2 && dw == 2) { text = dim.ReadString(); }
                else { dim.Skip(dw); }
            }
            dims.Add(text);
        }
    }
}

/// <summary>ONNX TensorProto.DataType codes: names and element sizes (string tensors count as 0 bytes).</summary>
internal static class OnnxTypes
{
    public static string Name(int code) => code switch
    {
        1 => "float32", 2 => "uint8", 3 => "int8", 4 => "uint16", 5 => "int16", 6 => "int32", 7 => "int64", 8 => "string",
        9 => "bool", 10 => "float16", 11 => "float64", 12 => "uint32", 13 => "uint64", 14 => "complex64", 15 => "complex128",
        16 => "bfloat16", 0 => "undefined", _ => $"type {code}",
    };

    public static long ByteSize(int code) => code switch
    {
        2 or 3 or 9 => 1,
        4 or 5 or 10 or 16 => 2,
        1 or 6 or 12 => 4,
        7 or 11 or 13 or 14 => 8,
        15 => 16,
        _ => 0,
    };
}
