using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Host.IO;

/// <summary>
/// Reads a module's section table and its checked <c>wasmgraph.meta</c> metadata without instantiating it, so
/// <c>inspect</c> works with no runtime plugin and <c>run</c> can size its inputs before loading. The reading itself is
/// <see cref="WasmBinaryReader"/> and <see cref="ModuleMetadataReader"/>, the same code the Wasmtime runtime uses;
/// this class only puts the file name in front of their messages.
/// </summary>
public static class WasmModuleReader
{
    public static IReadOnlyList<WasmSection> Sections(byte[] module, string name) => Named(name, () => WasmBinaryReader.Read(module).Sections);

    /// <summary>The checked metadata of a WasmGraph module, for showing it; a user error naming <paramref name="name"/> otherwise.</summary>
    public static ModelMetadata ReadMetadata(byte[] module, string name)
        => Named(name, () => ModuleMetadataReader.Read(WasmBinaryReader.Read(module)));

    /// <summary>
    /// The metadata of a module about to run, checked also against the module's initial memory and
    /// <paramref name="maxMemoryBytes"/> (<c>run --max-memory</c>), so that no input or output buffer the host sizes
    /// from it can exceed what the module could really hold.
    /// </summary>
    public static ModelMetadata ReadMetadataForRun(byte[] module, string name, long? maxMemoryBytes)
        => Named(name, () => ModuleMetadataReader.ReadForRun(WasmBinaryReader.Read(module), maxMemoryBytes));

    private static T Named<T>(string name, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (WasmGraphException e)
        {
            throw new WasmGraphException($"{name}: {e.Message}", e);
        }
    }
}
