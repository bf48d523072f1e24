using System.Runtime.InteropServices;

namespace WasmGraph.Backends.LlvmWasm.Interop;

/// <summary>The LLVM-C calls for atomic memory operations (threaded modules' barrier and abort flag).</summary>
internal static unsafe partial class LlvmNative
{
    [LibraryImport(Lib)] internal static partial nint LLVMBuildAtomicRMW(nint builder, int op, nint pointer, nint value, int ordering, int singleThread);
    [LibraryImport(Lib)] internal static partial void LLVMSetOrdering(nint memoryAccess, int ordering);
}
