using System.Runtime.InteropServices;

namespace WasmGraph.Backends.LlvmWasm.Interop;

/// <summary>An LLVM value (instruction, constant, function, global). Owned by its context; never freed alone.</summary>
internal readonly record struct LValue(nint Handle)
{
    public LType Type => new(LlvmNative.LLVMTypeOf(Handle));

    /// <summary>Parameter <paramref name="index"/> of this value, which must be a function.</summary>
    public LValue Parameter(int index) => new(LlvmNative.LLVMGetParam(Handle, checked((uint)index)));
}

/// <summary>An LLVM type. Owned by its context.</summary>
internal readonly record struct LType(nint Handle);

/// <summary>An LLVM basic block. Owned by its function.</summary>
internal readonly record struct LBlock(nint Handle);

/// <summary>
/// An owning handle to an LLVM object that must be disposed exactly once (context, module, builder, target machine).
/// Using it after disposal throws <see cref="ObjectDisposedException"/>.
/// </summary>
internal sealed class OwnedHandle : SafeHandle
{
    private readonly Action<nint> _release;
    private readonly string _what;

    public OwnedHandle(nint handle, Action<nint> release, string what) : base(0, ownsHandle: true)
    {
        if (handle == 0)
        {
            throw new InvalidOperationException($"LLVM returned a null {what}");
        }
        SetHandle(handle);
        _release = release;
        _what = what;
    }

    public override bool IsInvalid => handle == 0;

    public nint Value => IsClosed ? throw new ObjectDisposedException(_what) : handle;

    protected override bool ReleaseHandle()
    {
        _release(handle);
        return true;
    }
}
