using static WasmGraph.Backends.LlvmWasm.Interop.LlvmNative;

namespace WasmGraph.Backends.LlvmWasm.Interop;

/// <summary>An LLVM context with the handful of types and constants the kernel generators use.</summary>
internal sealed unsafe class LlvmContext : IDisposable
{
    private readonly OwnedHandle _handle;

    public LlvmContext()
    {
        EnsureResolver();
        _handle = new OwnedHandle(LLVMContextCreate(), LLVMContextDispose, "LLVM context");
        var h = Handle;
        F32 = new LType(LLVMFloatTypeInContext(h));
        F64 = new LType(LLVMDoubleTypeInContext(h));
        I1 = new LType(LLVMInt1TypeInContext(h));
        I8 = new LType(LLVMInt8TypeInContext(h));
        I16 = new LType(LLVMInt16TypeInContext(h));
        I32 = new LType(LLVMInt32TypeInContext(h));
        I64 = new LType(LLVMInt64TypeInContext(h));
        Void = new LType(LLVMVoidTypeInContext(h));
        Ptr = new LType(LLVMPointerTypeInContext(h, 0));
        F32x4 = Vector(F32, 4);
        I32x4 = Vector(I32, 4);
    }

    internal nint Handle => _handle.Value;

    public LType F32 { get; }
    public LType F64 { get; }
    public LType I1 { get; }
    public LType I8 { get; }
    public LType I16 { get; }
    public LType I32 { get; }
    public LType I64 { get; }
    public LType Void { get; }
    public LType Ptr { get; }
    public LType F32x4 { get; }
    public LType I32x4 { get; }

    public LType Vector(LType element, int count) => new(LLVMVectorType(element.Handle, (uint)count));

    public LType Array(LType element, long count) => new(LLVMArrayType2(element.Handle, (ulong)count));

    public LType Function(LType result, params LType[] parameters)
    {
        var ps = parameters.Select(p => p.Handle).ToArray();
        fixed (nint* p = ps)
        {
            return new LType(LLVMFunctionType(result.Handle, p, (uint)ps.Length, 0));
        }
    }

    public LValue Int(LType type, long value) => new(LLVMConstInt(type.Handle, unchecked((ulong)value), 1));

    public LValue I32Const(long value) => Int(I32, value);

    public LValue F32Const(double value) => new(LLVMConstReal(F32.Handle, value));

    public LValue F64Const(double value) => new(LLVMConstReal(F64.Handle, value));

    public LValue Null(LType type) => new(LLVMConstNull(type.Handle));

    public LValue Poison(LType type) => new(LLVMGetPoison(type.Handle));

    public LValue Splat(LValue scalar, int count)
    {
        var values = Enumerable.Repeat(scalar.Handle, count).ToArray();
        fixed (nint* p = values)
        {
            return new LValue(LLVMConstVector(p, (uint)count));
        }
    }

    public LValue ConstVector(IReadOnlyList<LValue> elements)
    {
        var values = elements.Select(e => e.Handle).ToArray();
        fixed (nint* p = values)
        {
            return new LValue(LLVMConstVector(p, (uint)values.Length));
        }
    }

    /// <summary>An i8 array constant holding <paramref name="bytes"/> verbatim (weights, tables).</summary>
    public LValue Bytes(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            return new LValue(LLVMConstStringInContext(Handle, p, (uint)bytes.Length, 1));
        }
    }

    public LValue ConstArray(LType element, IReadOnlyList<LValue> values)
    {
        var handles = values.Select(v => v.Handle).ToArray();
        fixed (nint* p = handles)
        {
            return new LValue(LLVMConstArray2(element.Handle, p, (ulong)handles.Length));
        }
    }

    /// <summary>A constant pointer <paramref name="offset"/> bytes into <paramref name="global"/>.</summary>
    public LValue ConstByteOffset(LValue global, long offset)
    {
        var idx = new[] { I32Const(offset).Handle };
        fixed (nint* p = idx)
        {
            return new LValue(LLVMConstInBoundsGEP2(I8.Handle, global.Handle, p, 1));
        }
    }

    public void Dispose() => _handle.Dispose();
}
