using System.Runtime.InteropServices;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Frontends.Onnx.Proto;

namespace WasmGraph.Frontends.Onnx.Import;

/// <summary>
/// Turns a <see cref="TensorProto"/> (an initializer or a Constant's value) into <see cref="TensorData"/>.
/// The declared size is checked against the payload before anything is allocated, so a file that claims a tensor
/// of 10^12 elements is refused at once instead of exhausting memory.
/// </summary>
internal static class TensorReader
{
    public static TensorData Read(TensorProto tensor, string what, string file)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External || tensor.ExternalData.Count > 0)
        {
            var location = tensor.ExternalData.FirstOrDefault(e => e.Key == "location")?.Value ?? "?";
            throw new ModelException(
                $"{what} keeps its data in an external file ('{location}'); external data is not supported, save the model with all tensors embedded",
                file: file);
        }
        if (tensor.Segment is not null)
        {
            throw new ModelException($"{what} is stored in segments, which is not supported", file: file);
        }
        var type = new TensorType(ElementType(tensor, what, file), ShapeOf(tensor, what, file));
        long expectedBytes = ByteSize(type, what, file);
        var bytes = tensor.HasRawData
            ? FromRaw(tensor, type, expectedBytes, what, file)
            : FromTypedField(tensor, type, what, file);
        return new TensorData(type, bytes);
    }

    private static DataType ElementType(TensorProto tensor, string what, string file)
    {
        if (!DataTypes.IsDefined(tensor.DataType))
        {
            var onnxName = Enum.IsDefined(typeof(TensorProto.Types.DataType), tensor.DataType)
                ? ((TensorProto.Types.DataType)tensor.DataType).ToString().ToUpperInvariant()
                : $"code {tensor.DataType}";
            throw new ModelException(
                $"{what} has element type {onnxName}, which is not supported (supported: {string.Join(", ", Enum.GetValues<DataType>().Select(t => t.Name()))})",
                file: file);
        }
        return (DataType)tensor.DataType;
    }

    private static Shape ShapeOf(TensorProto tensor, string what, string file)
    {
        foreach (var d in tensor.Dims)
        {
            if (d < 0)
            {
                throw new ModelException($"{what} has a negative dimension in [{string.Join(",", tensor.Dims)}]", file: file);
            }
        }
        return new Shape(tensor.Dims.ToArray());
    }

    /// <summary>Declared size in bytes, refused when it cannot fit in one .NET array.</summary>
    private static long ByteSize(TensorType type, string what, string file)
    {
        try
        {
            long bytes = type.ByteSize;
            if (bytes > Array.MaxLength)
            {
                throw new ModelException($"{what} declares {type} ({bytes} bytes), more than a tensor may hold", file: file);
            }
            return bytes;
        }
        catch (OverflowException)
        {
            throw new ModelException($"{what} declares shape {type.Shape}, whose size overflows", file: file);
        }
    }

    private static byte[] FromRaw(TensorProto tensor, TensorType type, long expectedBytes, string what, string file)
    {
        if (tensor.RawData.Length != expectedBytes)
        {
            throw new ModelException($"{what} declares {type} ({expectedBytes} bytes) but raw_data holds {tensor.RawData.Length} bytes", file: file);
        }
        if (!BitConverter.IsLittleEndian && type.ElementType.SizeOf() > 1)
        {
            throw new ModelException("reading ONNX raw_data needs a little-endian host", file: file);
        }
        return tensor.RawData.ToByteArray();
    }

    private static byte[] FromTypedField(TensorProto tensor, TensorType type, string what, string file)
    {
        long count = type.ElementCount;
        switch (type.ElementType)
        {
            case DataType.Float32:
                CheckCount(tensor.FloatData.Count, count, "float_data", type, what, file);
                return MemoryMarshal.AsBytes(tensor.FloatData.ToArray().AsSpan()).ToArray();
            case DataType.Float64:
                CheckCount(tensor.DoubleData.Count, count, "double_data", type, what, file);
                return MemoryMarshal.AsBytes(tensor.DoubleData.ToArray().AsSpan()).ToArray();
            case DataType.Int64:
                CheckCount(tensor.Int64Data.Count, count, "int64_data", type, what, file);
                return MemoryMarshal.AsBytes(tensor.Int64Data.ToArray().AsSpan()).ToArray();
            case DataType.Int32:
                CheckCount(tensor.Int32Data.Count, count, "int32_data", type, what, file);
                return MemoryMarshal.AsBytes(tensor.Int32Data.ToArray().AsSpan()).ToArray();
            case DataType.UInt8 or DataType.Int8 or DataType.Bool:
                CheckCount(tensor.Int32Data.Count, count, "int32_data", type, what, file);
                // One element per int32; the low byte is the value (two's complement for int8).
                return tensor.Int32Data.Select(v => unchecked((byte)v)).ToArray();
            case DataType.UInt16 or DataType.Int16 or DataType.Float16 or DataType.BFloat16:
                CheckCount(tensor.Int32Data.Count, count, "int32_data", type, what, file);
                // One element per int32; the low 16 bits are the value (the raw bits for float16 and bfloat16).
                return MemoryMarshal.AsBytes(tensor.Int32Data.Select(v => unchecked((ushort)v)).ToArray().AsSpan()).ToArray();
            case DataType.UInt32:
                CheckCount(tensor.Uint64Data.Count, count, "uint64_data", type, what, file);
                return MemoryMarshal.AsBytes(tensor.Uint64Data.Select(v => unchecked((uint)v)).ToArray().AsSpan()).ToArray();
            case DataType.UInt64:
                CheckCount(tensor.Uint64Data.Count, count, "uint64_data", type, what, file);
                return MemoryMarshal.AsBytes(tensor.Uint64Data.ToArray().AsSpan()).ToArray();
            default:
                throw new ModelException($"{what} has element type {type.ElementType.Name()}, which has no typed ONNX field", file: file);
        }
    }

    private static void CheckCount(int actual, long expected, string field, TensorType type, string what, string file)
    {
        if (actual != expected)
        {
            var detail = actual == 0 ? "has no data" : $"has {actual} values in {field}";
            throw new ModelException($"{what} declares {type} ({expected} elements) but {detail}", file: file);
        }
    }
}
