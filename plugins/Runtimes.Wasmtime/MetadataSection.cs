using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Runtimes.Wasmtime;

/// <summary>
/// The runtime's view of a module's <c>wasmgraph.meta</c> section. Reading and checking it is
/// <see cref="ModuleMetadataReader"/>'s job (shared with the host's <c>run</c> and <c>inspect</c>, so the ABI's rules
/// live in one place); the session trusts the result for every byte count it copies.
/// </summary>
public static class MetadataSection
{
    /// <summary>The checked metadata of <paramref name="module"/>, every tensor within its memory and <paramref name="maxMemoryBytes"/>.</summary>
    public static ModelMetadata Read(WasmModuleInfo module, long? maxMemoryBytes) => ModuleMetadataReader.ReadForRun(module, maxMemoryBytes);

    /// <summary>The declared type of each tensor, in ABI index order.</summary>
    public static TensorType[] TypesOf(ImmutableArray<TensorInfo> tensors) => tensors.Select(t => t.ToTensorType()).ToArray();
}
