using System.Text;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Abstractions.Tests.Plugins;

/// <summary>
/// Module bytes built by hand for the readers: the header, a memory section of a chosen size, and a
/// <c>wasmgraph.meta</c> section holding any text. No code: <see cref="WasmBinaryReader"/> reads section headers only.
/// </summary>
internal static class CraftedModules
{
    public static readonly byte[] Header = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00];

    /// <summary>y = x + 1 over float32[4], as the hand-written test modules declare it.</summary>
    public const string AddOneJson = """
        {"abi_version":1,"name":"add-one","producer":"hand-written","opset":17,
         "inputs":[{"name":"x","dtype":"float32","shape":[4],"bytes":16}],
         "outputs":[{"name":"y","dtype":"float32","shape":[4],"bytes":16}],
         "arena_bytes":32,"weight_bytes":0,"kernels":[{"name":"add","op":"Add","flops":4}],"hints":{"layout":"NCHW"}}
        """;

    public static byte[] Module(string json, uint pages = 1) => Module(Encoding.UTF8.GetBytes(json), pages);

    public static byte[] Module(byte[] metadata, uint pages = 1)
    {
        var bytes = new List<byte>(Header);
        bytes.AddRange(MemorySection(pages));
        bytes.AddRange(CustomSection(ModelMetadata.SectionName, metadata));
        return bytes.ToArray();
    }

    /// <summary>Section 5: one memory with <paramref name="pages"/> initial pages and no maximum.</summary>
    public static byte[] MemorySection(uint pages)
    {
        var body = new List<byte> { 1, 0x00 };
        WriteU32(body, pages);
        var section = new List<byte> { 5 };
        WriteU32(section, (uint)body.Count);
        section.AddRange(body);
        return section.ToArray();
    }

    public static byte[] CustomSection(string name, byte[] content)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var body = new List<byte>();
        WriteU32(body, (uint)nameBytes.Length);
        body.AddRange(nameBytes);
        body.AddRange(content);
        var section = new List<byte> { 0 };
        WriteU32(section, (uint)body.Count);
        section.AddRange(body);
        return section.ToArray();
    }

    public static void WriteU32(List<byte> output, uint value)
    {
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            output.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
    }

    /// <summary>What the host and the runtime do with a module's bytes before anything else.</summary>
    public static ModelMetadata Read(byte[] module, long? maxMemoryBytes = null)
        => ModuleMetadataReader.ReadForRun(WasmBinaryReader.Read(module), maxMemoryBytes);
}
