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
        bytes.AddRange(CustomSection(ModuleAbi.MetadataSection, metadata));
        return bytes.ToArray();
    }

    /// <summary>Section 5: one memory with <paramref name="pages"/> initial pages and no maximum.</summary>
    public static byte[] MemorySection(uint pages)
    {
        var body = new List<byte> { 1, 0x00 };
        body.AddRange(WasmCustomSection.Leb128(pages));
        var section = new List<byte> { 5 };
        section.AddRange(WasmCustomSection.Leb128((uint)body.Count));
        section.AddRange(body);
        return section.ToArray();
    }

    /// <summary>A custom section on its own (id 0 onwards), for placing among crafted sections.</summary>
    public static byte[] CustomSection(string name, byte[] content) => WasmCustomSection.Append(Array.Empty<byte>(), name, content);


    /// <summary>What the host and the runtime do with a module's bytes before anything else.</summary>
    public static ModelMetadata Read(byte[] module, long? maxMemoryBytes = null)
        => ModuleMetadataReader.ReadForRun(WasmBinaryReader.Read(module), maxMemoryBytes);
}
