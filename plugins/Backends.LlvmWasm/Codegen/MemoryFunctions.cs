using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Codegen;

/// <summary>
/// memcpy, memmove and memset for modules compiled without bulk-memory. LLVM lowers llvm.memcpy (the kernels' copies,
/// and loops it recognises as copies) to memory.copy when bulk-memory is on and to a call of the C library's memcpy
/// when it is off; our modules link no C library, so without these wasm-ld fails on undefined symbols. Byte loops are
/// enough: only a module for an engine without bulk memory gets them, and wasm-ld's --gc-sections drops any that no
/// call uses. Each function is marked "no-builtins" so that LLVM does not turn its own loop back into a call of itself.
/// </summary>
internal static class MemoryFunctions
{
    public static void Define(Emitter e)
    {
        var ctx = e.Ctx;
        var copyType = ctx.Function(ctx.Ptr, ctx.Ptr, ctx.Ptr, ctx.I32);

        var memcpy = Begin(e, "memcpy", copyType);
        ForwardCopy(e, memcpy.Parameter(0), memcpy.Parameter(1), memcpy.Parameter(2));
        e.B.Ret(memcpy.Parameter(0));

        // memmove: copy backwards when the destination starts inside the source, so no byte is overwritten before it is read.
        var memmove = Begin(e, "memmove", copyType);
        var (dst, src, n) = (memmove.Parameter(0), memmove.Parameter(1), memmove.Parameter(2));
        var forward = e.B.AppendBlock(memmove, "forward");
        var backward = e.B.AppendBlock(memmove, "backward");
        var done = e.B.AppendBlock(memmove, "done");
        var dstAddress = e.B.Cast(CastOp.PtrToInt, dst, ctx.I32);
        var srcAddress = e.B.Cast(CastOp.PtrToInt, src, ctx.I32);
        e.B.CondBr(e.B.ICmp(IntPredicate.Ule, dstAddress, srcAddress), forward, backward);
        e.B.PositionAtEnd(forward);
        ForwardCopy(e, dst, src, n);
        e.B.Br(done);
        e.B.PositionAtEnd(backward);
        ByteLoop(e, n, i =>
        {
            var index = e.Sub(e.Sub(n, i), e.I(1));
            e.B.Store(e.B.Load(ctx.I8, e.B.Gep(ctx.I8, src, index), 1), e.B.Gep(ctx.I8, dst, index), 1);
        });
        e.B.Br(done);
        e.B.PositionAtEnd(done);
        e.B.Ret(dst);

        var memset = Begin(e, "memset", ctx.Function(ctx.Ptr, ctx.Ptr, ctx.I32, ctx.I32));
        var fill = e.B.Cast(CastOp.Trunc, memset.Parameter(1), ctx.I8);
        ByteLoop(e, memset.Parameter(2), i => e.B.Store(fill, e.B.Gep(ctx.I8, memset.Parameter(0), i), 1));
        e.B.Ret(memset.Parameter(0));
    }

    private static LValue Begin(Emitter e, string name, LType type)
    {
        var function = e.Module.AddFunction(name, type, Linkage.External);
        e.Module.AddStringAttribute(function, uint.MaxValue, "no-builtins");
        e.BeginFunction(function);
        return function;
    }

    private static void ForwardCopy(Emitter e, LValue dst, LValue src, LValue n)
        => ByteLoop(e, n, i => e.B.Store(e.B.Load(e.Ctx.I8, e.B.Gep(e.Ctx.I8, src, i), 1), e.B.Gep(e.Ctx.I8, dst, i), 1));

    /// <summary>for (i = 0; i &lt; n; i++) body(i), comparing unsigned: a length is a size_t and may exceed 2 GiB.</summary>
    private static void ByteLoop(Emitter e, LValue n, Action<LValue> body)
    {
        var pre = e.B.CurrentBlock;
        var loop = e.B.AppendBlock(e.Function, "bytes");
        var exit = e.B.AppendBlock(e.Function, "bytes.exit");
        e.B.CondBr(e.B.ICmp(IntPredicate.Ne, n, e.I(0)), loop, exit);
        e.B.PositionAtEnd(loop);
        var i = e.B.Phi(e.Ctx.I32);
        e.B.AddIncoming(i, e.I(0), pre);
        body(i);
        var next = e.Add(i, e.I(1));
        e.B.AddIncoming(i, next, e.B.CurrentBlock);
        e.B.CondBr(e.B.ICmp(IntPredicate.Ult, next, n), loop, exit);
        e.B.PositionAtEnd(exit);
    }
}
