using System.Runtime.InteropServices;
using static WasmGraph.Backends.LlvmWasm.Interop.LlvmNative;

namespace WasmGraph.Backends.LlvmWasm.Interop;

/// <summary>The wasm32 target machine: sets a module's triple and data layout, optimises it, and emits an object file.</summary>
internal sealed class WasmTargetMachine : IDisposable
{
    public const string Triple = "wasm32-unknown-unknown";
    private static readonly object InitLock = new();
    private static bool _initialised;
    private readonly OwnedHandle _handle;

    public WasmTargetMachine(string features, int optLevel)
    {
        EnsureResolver();
        lock (InitLock)
        {
            if (!_initialised)
            {
                LLVMInitializeWebAssemblyTargetInfo();
                LLVMInitializeWebAssemblyTarget();
                LLVMInitializeWebAssemblyTargetMC();
                LLVMInitializeWebAssemblyAsmPrinter();
                _initialised = true;
            }
        }
        if (LLVMGetTargetFromTriple(Triple, out var target, out var message) != 0)
        {
            throw new InvalidOperationException($"LLVM has no WebAssembly target: {TakeMessage(message)}");
        }
        int level = Math.Clamp(optLevel, 0, 3);
        _handle = new OwnedHandle(LLVMCreateTargetMachine(target, Triple, "generic", features, level, 0 /* default reloc */, 0), LLVMDisposeTargetMachine, "target machine");
        OptLevel = level;
    }

    public int OptLevel { get; }

    public void Configure(LlvmModule module)
    {
        LLVMSetTarget(module.Handle, Triple);
        var layout = LLVMCreateTargetDataLayout(_handle.Value);
        LLVMSetModuleDataLayout(module.Handle, layout);
        LLVMDisposeTargetData(layout);
    }

    /// <summary>Runs the new pass manager's default pipeline for the configured level.</summary>
    public void Optimize(LlvmModule module)
    {
        var options = LLVMCreatePassBuilderOptions();
        try
        {
            var error = LLVMRunPasses(module.Handle, $"default<O{OptLevel}>", _handle.Value, options);
            if (error != 0)
            {
                var msg = LLVMGetErrorMessage(error);
                var text = Marshal.PtrToStringUTF8(msg) ?? "";
                LLVMDisposeErrorMessage(msg);
                throw new InvalidOperationException($"LLVM optimisation failed: {text}");
            }
        }
        finally
        {
            LLVMDisposePassBuilderOptions(options);
        }
    }

    /// <summary>
    /// Writes the object file straight to <paramref name="path"/>. The object holds the zeroed arena in full (wasm
    /// objects have no bss; wasm-ld drops it from the module), so going through a memory buffer and a managed copy
    /// cost three times the arena in host memory, where a file costs LLVM's one buffer.
    /// </summary>
    public void EmitObject(LlvmModule module, string path)
    {
        if (LLVMTargetMachineEmitToFile(_handle.Value, module.Handle, path, 1 /* object file */, out var message) != 0)
        {
            throw new InvalidOperationException($"LLVM code generation failed: {TakeMessage(message)}");
        }
    }

    public void Dispose() => _handle.Dispose();
}
