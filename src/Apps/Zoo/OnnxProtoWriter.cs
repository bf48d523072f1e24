using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;

namespace WasmGraph.Apps.Zoo;

/// <summary>
/// Encodes protobuf messages field by field (varint, fixed32 and length-delimited fields; repeated scalars unpacked, as
/// ONNX's proto2 schema declares them). The zoo writes ONNX with it because the host must not depend on the ONNX
/// frontend plugin (plugins are loaded in their own contexts), and ONNX needs only this small part of the wire format.
/// </summary>
internal sealed class OnnxProtoWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new();

    public OnnxProtoWriter Varint(int field, long value)
    {
        Key(field, 0);
        WriteVarint((ulong)value);
        return this;
    }

    public OnnxProtoWriter Varints(int field, IEnumerable<long> values)
    {
        foreach (var v in values)
        {
            Varint(field, v);
        }
        return this;
    }

    public OnnxProtoWriter Float(int field, float value)
    {
        Key(field, 5);
        Span<byte> bytes = stackalloc byte[4];
        BitConverter.TryWriteBytes(bytes, value);
        _buffer.Write(bytes);
        return this;
    }

    public OnnxProtoWriter Bytes(int field, ReadOnlySpan<byte> bytes)
    {
        Key(field, 2);
        WriteVarint((ulong)bytes.Length);
        _buffer.Write(bytes);
        return this;
    }

    public OnnxProtoWriter String(int field, string text) => Bytes(field, Encoding.UTF8.GetBytes(text));

    /// <summary>Little-endian float32 payload (TensorProto.raw_data); the machines we run on are little-endian.</summary>
    public OnnxProtoWriter Floats(int field, float[] values) => Bytes(field, MemoryMarshal.AsBytes(values.AsSpan()));

    public OnnxProtoWriter Message(int field, OnnxProtoWriter message) => Bytes(field, message.AsSpan());

    public ReadOnlySpan<byte> AsSpan() => _buffer.WrittenSpan;

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    private void Key(int field, int wireType) => WriteVarint(((ulong)field << 3) | (uint)wireType);

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.Write([(byte)(value | 0x80)]);
            value >>= 7;
        }
        _buffer.Write([(byte)value]);
    }
}
