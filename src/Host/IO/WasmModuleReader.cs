using System.Text;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Host.IO;

/// <summary>One section of a WebAssembly binary: its id, its name for custom sections, and where its payload is.</summary>
public sealed record WasmSection(byte Id, string? CustomName, int Offset, int Length)
{
    private static readonly string[] Names = ["custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data", "datacount", "tag"];

    public string Describe() => Id == 0 ? $"custom \"{CustomName}\"" : Id < Names.Length ? Names[Id] : $"id {Id}";
}

/// <summary>
/// Reads a module's section table and its <c>wasmgraph.meta</c> custom section without instantiating it, so
/// <c>inspect</c> works with no runtime plugin. The binary format is the one in the WebAssembly core spec §5.
/// </summary>
public static class WasmModuleReader
{
    public static IReadOnlyList<WasmSection> Sections(byte[] module, string name)
    {
        if (module.Length < 8 || module[0] != 0 || module[1] != (byte)'a' || module[2] != (byte)'s' || module[3] != (byte)'m')
        {
            throw new WasmGraphException($"{name}: not a WebAssembly module (bad magic)");
        }
        var sections = new List<WasmSection>();
        int at = 8;
        while (at < module.Length)
        {
            byte id = module[at++];
            int size = (int)ReadLeb(module, ref at, name);
            if (size < 0 || at + size > module.Length)
            {
                throw new WasmGraphException($"{name}: section at byte {at} runs past the end of the file (truncated module?)");
            }
            string? customName = null;
            int payload = at;
            if (id == 0)
            {
                int nameLength = (int)ReadLeb(module, ref payload, name);
                customName = Encoding.UTF8.GetString(module, payload, nameLength);
                payload += nameLength;
            }
            sections.Add(new WasmSection(id, customName, payload, at + size - payload));
            at += size;
        }
        return sections;
    }

    /// <summary>The metadata JSON of a WasmGraph module; a user error if the module has none.</summary>
    public static ModelMetadata ReadMetadata(byte[] module, string name)
    {
        var section = Sections(module, name).FirstOrDefault(s => s.Id == 0 && s.CustomName == ModelMetadata.SectionName)
                      ?? throw new WasmGraphException($"{name}: no '{ModelMetadata.SectionName}' custom section; was it compiled by WasmGraph?");
        return ModelMetadata.FromJson(Encoding.UTF8.GetString(module, section.Offset, section.Length));
    }

    private static uint ReadLeb(byte[] bytes, ref int at, string name)
    {
        uint result = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            if (at >= bytes.Length)
            {
                throw new WasmGraphException($"{name}: truncated WebAssembly module");
            }
            byte b = bytes[at++];
            result |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }
        throw new WasmGraphException($"{name}: malformed LEB128 number in WebAssembly module");
    }
}
