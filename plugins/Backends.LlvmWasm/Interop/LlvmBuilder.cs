using static WasmGraph.Backends.LlvmWasm.Interop.LlvmNative;

namespace WasmGraph.Backends.LlvmWasm.Interop;

internal enum IntPredicate { Eq = 32, Ne = 33, Ugt = 34, Uge = 35, Ult = 36, Ule = 37, Sgt = 38, Sge = 39, Slt = 40, Sle = 41 }

internal enum RealPredicate { Oeq = 1, Ogt = 2, Oge = 3, Olt = 4, Ole = 5, One = 6, Ord = 7, Uno = 8, Ugt = 10, Uge = 11, Ult = 12, Ule = 13, Une = 14 }

internal enum BinaryOp
{
    Add = 8, FAdd = 9, Sub = 10, FSub = 11, Mul = 12, FMul = 13, UDiv = 14, SDiv = 15, FDiv = 16,
    URem = 17, SRem = 18, Shl = 20, LShr = 21, AShr = 22, And = 23, Or = 24, Xor = 25,
}

internal enum CastOp { Trunc = 30, ZExt = 31, SExt = 32, FPToUI = 33, FPToSI = 34, UIToFP = 35, SIToFP = 36, FPTrunc = 37, FPExt = 38, PtrToInt = 39, IntToPtr = 40, BitCast = 41 }

/// <summary>LLVMAtomicRMWBinOp values the threaded runner uses.</summary>
internal enum AtomicRmwOp { Xchg = 0, Add = 1 }

[Flags]
internal enum FastMath : uint { None = 0, Reassoc = 1, NoNaNs = 2, NoInfs = 4, NoSignedZeros = 8, Reciprocal = 16, Contract = 32, ApproxFunc = 64 }

/// <summary>An owning wrapper over LLVMBuilderRef with one typed method per instruction the generators emit.</summary>
internal sealed unsafe class LlvmBuilder : IDisposable
{
    private readonly OwnedHandle _handle;

    public LlvmBuilder(LlvmContext context)
    {
        Context = context;
        _handle = new OwnedHandle(LLVMCreateBuilderInContext(context.Handle), LLVMDisposeBuilder, "LLVM builder");
    }

    public LlvmContext Context { get; }

    private nint H => _handle.Value;

    public LBlock AppendBlock(LValue function, string name) => new(LLVMAppendBasicBlockInContext(Context.Handle, function.Handle, name));

    public void PositionAtEnd(LBlock block) => LLVMPositionBuilderAtEnd(H, block.Handle);

    public LBlock CurrentBlock => new(LLVMGetInsertBlock(H));

    public void RetVoid() => LLVMBuildRetVoid(H);

    public void Ret(LValue value) => LLVMBuildRet(H, value.Handle);

    public void Br(LBlock target) => LLVMBuildBr(H, target.Handle);

    public void CondBr(LValue condition, LBlock then, LBlock otherwise) => LLVMBuildCondBr(H, condition.Handle, then.Handle, otherwise.Handle);

    /// <summary>A switch on an integer; add cases to the returned instruction with <see cref="AddCase"/>.</summary>
    public LValue Switch(LValue value, LBlock otherwise, int caseCount) => new(LLVMBuildSwitch(H, value.Handle, otherwise.Handle, (uint)caseCount));

    public void AddCase(LValue switchInstruction, LValue onValue, LBlock destination) => LLVMAddCase(switchInstruction.Handle, onValue.Handle, destination.Handle);

    public LValue Phi(LType type, string name = "") => new(LLVMBuildPhi(H, type.Handle, name));

    public void AddIncoming(LValue phi, LValue value, LBlock from)
    {
        nint v = value.Handle;
        nint b = from.Handle;
        LLVMAddIncoming(phi.Handle, &v, &b, 1);
    }

    public LValue ICmp(IntPredicate p, LValue a, LValue b) => new(LLVMBuildICmp(H, (int)p, a.Handle, b.Handle, ""));

    public LValue FCmp(RealPredicate p, LValue a, LValue b) => new(LLVMBuildFCmp(H, (int)p, a.Handle, b.Handle, ""));

    public LValue Select(LValue condition, LValue then, LValue otherwise) => new(LLVMBuildSelect(H, condition.Handle, then.Handle, otherwise.Handle, ""));

    public LValue Binary(BinaryOp op, LValue a, LValue b, FastMath flags = FastMath.None)
    {
        var v = new LValue(LLVMBuildBinOp(H, (int)op, a.Handle, b.Handle, ""));
        if (flags != FastMath.None && LLVMCanValueUseFastMathFlags(v.Handle) != 0)
        {
            LLVMSetFastMathFlags(v.Handle, (uint)flags);
        }
        return v;
    }

    public LValue FNeg(LValue a) => new(LLVMBuildFNeg(H, a.Handle, ""));

    public LValue Cast(CastOp op, LValue value, LType to) => new(LLVMBuildCast(H, (int)op, value.Handle, to.Handle, ""));

    /// <summary>
    /// A pointer <paramref name="offset"/> elements past <paramref name="pointer"/>, as its own inbounds GEP: LLVM then
    /// knows the constant part cannot wrap, and the wasm backend folds it into the load's offset immediate.
    /// </summary>
    public LValue GepConst(LType element, LValue pointer, long offset)
    {
        if (offset == 0)
        {
            return pointer;
        }
        nint i = LLVMConstInt(Context.I32.Handle, unchecked((ulong)(offset * ElementBytes(element))), 1);
        return new LValue(LLVMBuildInBoundsGEP2(H, Context.I8.Handle, pointer.Handle, &i, 1, ""));
    }

    private long ElementBytes(LType element)
        => element == Context.F32 || element == Context.I32 ? 4 : element == Context.I64 || element == Context.F64 ? 8 : element == Context.I8 ? 1 : element == Context.I16 ? 2 : 16;

    public LValue Gep(LType element, LValue pointer, LValue index)
    {
        nint i = index.Handle;
        return new LValue(LLVMBuildInBoundsGEP2(H, element.Handle, pointer.Handle, &i, 1, ""));
    }

    public LValue Load(LType type, LValue pointer, int alignment)
    {
        var v = new LValue(LLVMBuildLoad2(H, type.Handle, pointer.Handle, ""));
        LLVMSetAlignment(v.Handle, (uint)alignment);
        return v;
    }

    public void Store(LValue value, LValue pointer, int alignment)
    {
        var s = LLVMBuildStore(H, value.Handle, pointer.Handle);
        LLVMSetAlignment(s, (uint)alignment);
    }

    public LValue Call(LType functionType, LValue function, params LValue[] args)
    {
        var a = args.Select(x => x.Handle).ToArray();
        fixed (nint* p = a)
        {
            return new LValue(LLVMBuildCall2(H, functionType.Handle, function.Handle, p, (uint)a.Length, ""));
        }
    }

    public LValue ExtractElement(LValue vector, LValue index) => new(LLVMBuildExtractElement(H, vector.Handle, index.Handle, ""));

    public LValue InsertElement(LValue vector, LValue element, LValue index) => new(LLVMBuildInsertElement(H, vector.Handle, element.Handle, index.Handle, ""));

    public LValue Shuffle(LValue a, LValue b, LValue mask) => new(LLVMBuildShuffleVector(H, a.Handle, b.Handle, mask.Handle, ""));

    public void MemSet(LValue pointer, LValue byteValue, LValue length, int alignment) => LLVMBuildMemSet(H, pointer.Handle, byteValue.Handle, length.Handle, (uint)alignment);

    public void MemCpy(LValue dst, LValue src, LValue length, int alignment) => LLVMBuildMemCpy(H, dst.Handle, (uint)alignment, src.Handle, (uint)alignment, length.Handle);

    /// <summary>A sequentially consistent atomic read-modify-write (wasm <c>i32.atomic.rmw.*</c>); returns the old value.</summary>
    public LValue AtomicRmw(AtomicRmwOp op, LValue pointer, LValue value)
        => new(LLVMBuildAtomicRMW(H, (int)op, pointer.Handle, value.Handle, SequentiallyConsistent, singleThread: 0));

    /// <summary>A sequentially consistent atomic load (wasm <c>i32.atomic.load</c>).</summary>
    public LValue AtomicLoad(LType type, LValue pointer, int alignment)
    {
        var load = Load(type, pointer, alignment);
        LLVMSetOrdering(load.Handle, SequentiallyConsistent);
        return load;
    }

    /// <summary>A sequentially consistent atomic store (wasm <c>i32.atomic.store</c>).</summary>
    public void AtomicStore(LValue value, LValue pointer, int alignment)
    {
        nint store = LLVMBuildStore(H, value.Handle, pointer.Handle);
        LLVMSetAlignment(store, (uint)alignment);
        LLVMSetOrdering(store, SequentiallyConsistent);
    }

    /// <summary>LLVMAtomicOrderingSequentiallyConsistent.</summary>
    private const int SequentiallyConsistent = 7;

    public void Dispose() => _handle.Dispose();
}
