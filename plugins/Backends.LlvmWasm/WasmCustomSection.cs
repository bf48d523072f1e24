using System.Text;

namespace WasmGraph.Backends.LlvmWasm;

/// <summary>Appends a custom section (id 0) to a finished module; wasm allows custom sections anywhere after the header.</summary>
internal static class WasmCustomSection
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

    private static byte[] Leb128(uint value)
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
