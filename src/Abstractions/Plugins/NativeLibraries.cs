namespace WasmGraph.Abstractions.Plugins;

/// <summary>
/// A native library a component runs on, with the version actually loaded (LLVM asked through its C API) or shipped
/// (a package's version), and where that figure came from. <c>wasmgraph --version</c> lists them, so a bug report
/// names the LLVM and Wasmtime a module was built and run with.
/// </summary>
public sealed record NativeLibraryVersion(string Name, string Version, string Source);

/// <summary>
/// Implemented by a component built on a native library (the backend on LLVM, the runtime on Wasmtime). Optional: the
/// host asks only components that implement it, so plugins built before it existed still load. Reading the versions may
/// load the library; a component that cannot load it throws, and the host shows the version as unknown with the reason.
/// </summary>
public interface INativeLibraryUser
{
    IReadOnlyList<NativeLibraryVersion> NativeLibraries { get; }
}
