using System.Runtime.InteropServices;
using Google.Protobuf;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Onnx.Proto;

namespace WasmGraph.Onnx;

/// <summary>How a tensor's elements are written into a <see cref="TensorProto"/>; real files use both.</summary>
public enum TensorEncoding
{
    /// <summary>Little-endian bytes in <c>raw_data</c>.</summary>
    Raw,

    /// <summary>The typed field for the element type (<c>float_data</c>, <c>int32_data</c>, <c>int64_data</c>, <c>uint64_data</c>, <c>double_data</c>).</summary>
    Typed,
}

/// <summary>
/// Converts between ONNX <see cref="TensorProto"/>s (initializers, Constant values, test data) and <see cref="TensorData"/>.
/// Reading trusts nothing the file declares: the declared size is checked against the payload before anything is
/// allocated, so a file that claims a tensor of 10^12 elements is refused at once instead of exhausting memory, and
/// data kept outside the file (external data, segments) is refused rather than looked for.
/// </summary>
public static class OnnxTensors
{
    /// <summary>
    /// The tensor's elements as <see cref="TensorData"/>; every problem is a <see cref="ModelException"/> naming
    /// <paramref name="what"/> (for example "initializer 'w'") and <paramref name="file"/>.
    /// </summary>
    public static TensorData ToTensorData(TensorProto tensor, string what, string file)
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

    /// <summary>The tensor as a <see cref="TensorProto"/> named <paramref name="name"/>, its elements written as <paramref name="encoding"/> says.</summary>
    public static TensorProto ToProto(string name, TensorData data, TensorEncoding encoding = TensorEncoding.Raw)
    {
        var proto = new TensorProto { Name = name, DataType = (int)data.Type.ElementType };
        proto.Dims.AddRange(data.Type.Shape.Dims);
        if (encoding == TensorEncoding.Raw)
        {
            proto.RawData = ByteString.CopyFrom(data.Bytes);
            return proto;
        }
        // The typed fields mirror FromTypedField below: 8- and 16-bit types take one int32 each, uint32 one uint64.
        switch (data.Type.ElementType)
        {
            case DataType.Float32: proto.FloatData.AddRange(data.AsSpan<float>().ToArray()); break;
            case DataType.Float64: proto.DoubleData.AddRange(data.AsSpan<double>().ToArray()); break;
            case DataType.Int64: proto.Int64Data.AddRange(data.AsSpan<long>().ToArray()); break;
            case DataType.Int32: proto.Int32Data.AddRange(data.AsSpan<int>().ToArray()); break;
            case DataType.Int8: proto.Int32Data.AddRange(data.AsSpan<sbyte>().ToArray().Select(v => (int)v)); break;
            case DataType.Int16: proto.Int32Data.AddRange(data.AsSpan<short>().ToArray().Select(v => (int)v)); break;
            case DataType.UInt16 or DataType.Float16 or DataType.BFloat16: proto.Int32Data.AddRange(data.AsSpan<ushort>().ToArray().Select(v => (int)v)); break;
            case DataType.UInt32: proto.Uint64Data.AddRange(data.AsSpan<uint>().ToArray().Select(v => (ulong)v)); break;
            case DataType.UInt64: proto.Uint64Data.AddRange(data.AsSpan<ulong>().ToArray()); break;
            case DataType.UInt8 or DataType.Bool: proto.Int32Data.AddRange(data.Bytes.ToArray().Select(v => (int)v)); break;
            default: throw new ArgumentException($"element type {data.Type.ElementType.Name()} has no typed ONNX field", nameof(data));
        }
        return proto;
    }

    private static DataType ElementType(TensorProto tensor, string what, string file)
    {
        if (!DataTypes.IsDefined(tensor.DataType))
        {
            throw new ModelException(
                $"{what} has element type {OnnxElementTypes.OnnxName(tensor.DataType)}, which is not supported (supported: {string.Join(", ", Enum.GetValues<DataType>().Select(t => t.Name()))})",
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
