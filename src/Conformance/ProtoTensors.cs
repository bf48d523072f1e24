using System.Runtime.InteropServices;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Frontends.Onnx.Proto;

namespace WasmGraph.Conformance;

/// <summary>Reads the TensorProto files of the test data (input_N.pb, output_N.pb) into <see cref="TensorData"/>.</summary>
internal static class ProtoTensors
{
    public static TensorProto ReadProto(string path) => TensorProto.Parser.ParseFrom(File.ReadAllBytes(path));

    /// <summary>
    /// The tensor, or null with a reason when its element type has no IR equivalent (string, complex…).
    /// <paramref name="declared"/> is the ONNX element type the model gives the value, when known: the 1.12 test
    /// data stores bfloat16 tensors as uint16 (the same bits, since NumPy has no bfloat16), so a uint16 tensor for a
    /// value the model declares bfloat16 is read as bfloat16.
    /// </summary>
    public static TensorData? ToTensorData(TensorProto tensor, out string? problem, int? declared = null)
    {
        problem = null;
        if (!DataTypes.IsDefined(tensor.DataType))
        {
            problem = $"tensor element type {((TensorProto.Types.DataType)tensor.DataType).ToString().ToUpperInvariant()}";
            return null;
        }
        var elementType = (DataType)tensor.DataType;
        if (elementType == DataType.UInt16 && declared == (int)DataType.BFloat16)
        {
            elementType = DataType.BFloat16;
        }
        var type = new TensorType(elementType, new Shape(tensor.Dims.ToArray()));
        if (tensor.HasRawData)
        {
            return new TensorData(type, tensor.RawData.ToByteArray());
        }
        byte[] bytes = type.ElementType switch
        {
            DataType.Float32 => MemoryMarshal.AsBytes(tensor.FloatData.ToArray().AsSpan()).ToArray(),
            DataType.Float64 => MemoryMarshal.AsBytes(tensor.DoubleData.ToArray().AsSpan()).ToArray(),
            DataType.Int64 => MemoryMarshal.AsBytes(tensor.Int64Data.ToArray().AsSpan()).ToArray(),
            DataType.Int32 => MemoryMarshal.AsBytes(tensor.Int32Data.ToArray().AsSpan()).ToArray(),
            DataType.UInt64 => MemoryMarshal.AsBytes(tensor.Uint64Data.ToArray().AsSpan()).ToArray(),
            DataType.UInt32 => MemoryMarshal.AsBytes(tensor.Uint64Data.Select(v => unchecked((uint)v)).ToArray().AsSpan()).ToArray(),
            // int16, uint16, float16 and bfloat16 keep their 16 bits in the low half of each int32_data entry.
            var t when t.SizeOf() == 2 => MemoryMarshal.AsBytes(tensor.Int32Data.Select(v => unchecked((ushort)v)).ToArray().AsSpan()).ToArray(),
            _ => tensor.Int32Data.Select(v => unchecked((byte)v)).ToArray(),
        };
        return new TensorData(type, bytes);
    }

    /// <summary>The element type code the model declares for a graph input or output, if it is a tensor.</summary>
    public static int? DeclaredType(ValueInfoProto value)
        => value.Type?.ValueCase == TypeProto.ValueOneofCase.TensorType ? value.Type.TensorType.ElemType : null;
}
