using WasmGraph.Abstractions;

namespace WasmGraph.Host.IO;

/// <summary>
/// A minimal protobuf wire-format reader (varints, fixed 32/64, length-delimited). <c>inspect</c> uses it to summarise
/// any ONNX file, including ones with ops the frontend does not support, without depending on the frontend plugin.
/// </summary>
public ref struct ProtoWireReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _at;

    public ProtoWireReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _at = 0;
    }

    public readonly bool End => _at >= _data.Length;

    /// <summary>Reads a field key: the field number and wire type (0 varint, 1 fixed64, 2 bytes, 5 fixed32).</summary>
    public (int Field, int WireType) ReadKey()
    {
        var key = ReadVarint();
        return ((int)(key >> 3), (int)(key & 7));
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_at >= _data.Length)
            {
                throw new WasmGraphException("truncated protobuf varint");
            }
            byte b = _data[_at++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }
        throw new WasmGraphException("malformed protobuf varint");
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        var length = ReadVarint();
        if (length > (ulong)(_data.Length - _at))
        {
            throw new WasmGraphException("truncated protobuf field");
        }
        var span = _data.Slice(_at, (int)length);
        _at += (int)length;
        return span;
    }

    public string ReadString() => System.Text.Encoding.UTF8.GetString(ReadBytes());

    /// <summary>Skips a field of the given wire type.</summary>
    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case 0: ReadVarint(); break;
            case 1: Advance(8); break;
            case 2: ReadBytes(); break;
            case 5: Advance(4); break;
            default: throw new WasmGraphException($"unsupported protobuf wire type {wireType}");
        }
    }

    /// <summary>Reads a repeated int64 field that may be packed (wire type 2) or not (wire type 0).</summary>
    public void ReadInt64s(int wireType, List<long> into)
    {
        if (wireType == 0)
        {
            into.Add((long)ReadVarint());
            return;
        }
        var inner = new ProtoWireReader(ReadBytes());
        while (!inner.End)
        {
            into.Add((long)inner.ReadVarint());
        }
    }

    private void Advance(int count)
    {
        if (_at + count > _data.Length)
        {
            throw new WasmGraphException("truncated protobuf field");
        }
        _at += count;
    }
}
