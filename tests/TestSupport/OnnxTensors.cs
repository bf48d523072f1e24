using System.Runtime.InteropServices;
using Google.Protobuf;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Frontends.Onnx.Proto;

namespace WasmGraph.TestSupport;

/// <summary>How a tensor's elements are written into a <see cref="TensorProto"/>; real files use both.</summary>
public enum TensorEncoding
{
    /// <summary>Little-endian bytes in <c>raw_data</c>.</summary>
    Raw,

    /// <summary>The typed field for the element type (<c>float_data</c>, <c>int32_data</c>, <c>int64_data</c>, <c>uint64_data</c>, <c>double_data</c>).</summary>
    Typed,
}

/// <summary>Converts IR tensors to ONNX <see cref="TensorProto"/>s (the reverse of the frontend's reader).</summary>
public static class OnnxTensors
{
    public static TensorProto ToProto(string name, TensorData data, TensorEncoding encoding)
    {
        var proto = new TensorProto { Name = name, DataType = (int)data.Type.ElementType };
        proto.Dims.AddRange(data.Type.Shape.Dims);
        if (encoding == TensorEncoding.Raw)
        {
            proto.RawData = ByteString.CopyFrom(data.Bytes);
            return proto;
        }
        switch (data.Type.ElementType)
        {
            case DataType.Float32: proto.FloatData.AddRange(data.AsSpan<float>().ToArray()); break;
            case DataType.Float64: proto.DoubleData.AddRange(data.AsSpan<double>().ToArray()); break;
            case DataType.Int64: proto.Int64Data.AddRange(data.AsSpan<long>().ToArray()); break;
            case DataType.Int32: proto.Int32Data.AddRange(data.AsSpan<int>().ToArray()); break;
            case DataType.Int8: proto.Int32Data.AddRange(MemoryMarshal.Cast<byte, sbyte>(data.Bytes).ToArray().Select(v => (int)v)); break;
            case DataType.Int16: proto.Int32Data.AddRange(data.AsSpan<short>().ToArray().Select(v => (int)v)); break;
            case DataType.UInt16 or DataType.Float16 or DataType.BFloat16: proto.Int32Data.AddRange(data.AsSpan<ushort>().ToArray().Select(v => (int)v)); break;
            case DataType.UInt32: proto.Uint64Data.AddRange(data.AsSpan<uint>().ToArray().Select(v => (ulong)v)); break;
            case DataType.UInt64: proto.Uint64Data.AddRange(data.AsSpan<ulong>().ToArray()); break;
            default: proto.Int32Data.AddRange(data.Bytes.ToArray().Select(v => (int)v)); break;
        }
        return proto;
    }
}
