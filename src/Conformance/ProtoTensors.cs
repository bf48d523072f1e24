using System.Runtime.InteropServices;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Frontends.Onnx.Proto;

namespace WasmGraph.Conformance;

/// <summary>Reads the TensorProto files of the test data (input_N.pb, output_N.pb) into <see cref="TensorData"/>.</summary>
public static class ProtoTensors
{
    public static TensorProto ReadProto(string path) => TensorProto.Parser.ParseFrom(File.ReadAllBytes(path));

    /// <summary>The tensor, or null with a reason when its element type has no IR equivalent (float16, string…).</summary>
    public static TensorData? ToTensorData(TensorProto tensor, out string? problem)
    {
        problem = null;
        if (!DataTypes.IsDefined(tensor.DataType))
        {
            problem = $"tensor element type {((TensorProto.Types.DataType)tensor.DataType).ToString().ToUpperInvariant()}";
            return null;
        }
        var type = new TensorType((DataType)tensor.DataType, new Shape(tensor.Dims.ToArray()));
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
            _ => tensor.Int32Data.Select(v => unchecked((byte)v)).ToArray(),
        };
        return new TensorData(type, bytes);
    }
}
