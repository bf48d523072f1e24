using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static WasmGraph.Backends.LlvmWasm.Interop.LlvmNative;

namespace WasmGraph.Backends.LlvmWasm.Interop;

/// <summary>
/// The last line of defence against LLVM's report_fatal_error, which prints "LLVM ERROR: …" and aborts the process
/// (exit 134, no error line of ours, no word of which model or step). The checks before LLVM (feature strings, the
/// wasm32 memory budget, only intrinsics the target has) are meant to make this unreachable; if it is reached all the
/// same, the process cannot continue (LLVM's state is broken and it does not unwind), so the handler prints an
/// internal-error line naming the step and the model and ends the process with exit 1, the code for a bug of ours.
/// </summary>
internal static unsafe class LlvmFatalErrors
{
    private static int _installed;
    private static string _step = "compiling";

    /// <summary>Installs the handler once per process; later calls do nothing.</summary>
    public static void Install()
    {
        EnsureResolver();
        if (Interlocked.Exchange(ref _installed, 1) == 0)
        {
            LLVMInstallFatalErrorHandler(&OnFatalError);
        }
    }

    /// <summary>Names what LLVM is doing now ("emitting wasm for model 'lenet'"), for the message of a fatal error.</summary>
    public static void Step(string step) => Volatile.Write(ref _step, step);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnFatalError(byte* reason)
    {
        var text = Marshal.PtrToStringUTF8((nint)reason) ?? "(no reason given)";
        Console.Error.WriteLine($"internal error in backend 'llvm-wasm': LLVM failed while {Volatile.Read(ref _step)}: {text}");
        Console.Error.Flush();
        // Returning would let LLVM abort; Environment.Exit would run managed shutdown on a thread LLVM left mid-way.
        if (NativeLibrary.TryLoad("libc.so.6", out var libc) && NativeLibrary.TryGetExport(libc, "_exit", out var exit))
        {
            ((delegate* unmanaged[Cdecl]<int, void>)exit)(1);
        }
        Environment.Exit(1);
    }
}
