namespace WasmGraph.Backends.LlvmWasm.Interop;

/// <summary>Facts about the loaded LLVM library itself, for code outside this folder (which may not call LlvmNative).</summary>
internal static class LlvmLibrary
{
    /// <summary>The loaded library's version ("19.1.7"), from LLVMGetVersion.</summary>
    public static string Version() => LlvmNative.LibraryVersion();
}
