using System.Text;

namespace WasmGraph.Abstractions.Plugins;

/// <summary>
/// Appends a custom section (id 0) to a finished module; wasm allows custom sections anywhere after the header. The
/// writing half of what <see cref="WasmBinaryReader"/> reads: the backend appends the metadata section with it, and
/// tests craft modules (and lying framings, from <see cref="Leb128"/>) with the same code.
/// </summary>
public static class WasmCustomSection
{
    public static byte[] Append(byte[] module, string name, byte[] payload)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var nameLength = Leb128((uint)nameBytes.Length);
        var content = (uint)(nameLength.Length + nameBytes.Length + payload.Length);
        using var stream = new MemoryStream(module.Length + (int)content + 16);
        stream.Write(module);
        stream.WriteByte(0);
        stream.Write(Leb128(content));
        stream.Write(nameLength);
        stream.Write(nameBytes);
        stream.Write(payload);
        return stream.ToArray();
    }

    /// <summary>An unsigned LEB128 number, as wasm writes every length and count.</summary>
    public static byte[] Leb128(uint value)
    {
        var bytes = new List<byte>();
        do
        {
            byte b = (byte)(value & 0x7f);
            value >>= 7;
            if (value != 0)
            {
                b |= 0x80;
            }
            bytes.Add(b);
        }
        while (value != 0);
        return bytes.ToArray();
    }
}
