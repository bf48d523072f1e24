using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// Typed scalar access for kernels that handle more than float32: the LLVM type of each element type, loads and
/// stores, and conversions between element types with ONNX Runtime's semantics (bool is one byte, 0 or 1; float to
/// integer truncates toward zero, saturating because the target has nontrapping-fptoint).
/// </summary>
internal static class Scalars
{
    public static LType TypeOf(Emitter e, DataType type) => type switch
    {
        DataType.Float32 => e.Ctx.F32,
        DataType.Float64 => e.Ctx.F64,
        DataType.Int64 => e.Ctx.I64,
        DataType.Int32 => e.Ctx.I32,
        _ => e.Ctx.I8,
    };

    public static bool IsFloat(DataType type) => type is DataType.Float32 or DataType.Float64;

    public static bool IsUnsigned(DataType type) => type is DataType.UInt8 or DataType.Bool;

    public static LValue Load(Emitter e, DataType type, LValue basePtr, LValue index) => e.Load(TypeOf(e, type), type.SizeOf(), basePtr, index);

    public static void Store(Emitter e, DataType type, LValue value, LValue basePtr, LValue index) => e.Store(TypeOf(e, type), type.SizeOf(), value, basePtr, index);

    /// <summary>An i1 condition as a stored bool (i8 0 or 1).</summary>
    public static LValue FromCondition(Emitter e, LValue condition) => e.B.Cast(CastOp.ZExt, condition, e.Ctx.I8);

    /// <summary>A constant of the element type.</summary>
    public static LValue Constant(Emitter e, DataType type, double value)
        => IsFloat(type) ? (type == DataType.Float32 ? e.F(value) : new LValue(LlvmNative.LLVMConstReal(e.Ctx.F64.Handle, value))) : e.Ctx.Int(TypeOf(e, type), (long)value);

    /// <summary>Converts a loaded value from one element type to another.</summary>
    public static LValue Convert(Emitter e, LValue value, DataType from, DataType to)
    {
        if (from == to)
        {
            return value;
        }
        var target = TypeOf(e, to);
        if (to == DataType.Bool)
        {
            var zero = Constant(e, from, 0);
            var nonZero = IsFloat(from) ? e.B.FCmp(RealPredicate.Une, value, zero) : e.B.ICmp(IntPredicate.Ne, value, zero);
            return FromCondition(e, nonZero);
        }
        if (IsFloat(from) && IsFloat(to))
        {
            return e.B.Cast(to == DataType.Float64 ? CastOp.FPExt : CastOp.FPTrunc, value, target);
        }
        if (IsFloat(from))
        {
            // fptosi on i8 is not a wasm instruction; convert through i32/i64 and truncate.
            var wide = to == DataType.Int64 ? e.Ctx.I64 : e.Ctx.I32;
            var (function, functionType) = e.Module.Intrinsic("llvm.fptosi.sat", wide, value.Type);
            var converted = e.B.Call(functionType, function, value);
            return to.SizeOf() < 4 ? e.B.Cast(CastOp.Trunc, converted, target) : converted;
        }
        if (IsFloat(to))
        {
            return e.B.Cast(IsUnsigned(from) ? (CastOp)35 /* UIToFP */ : CastOp.SIToFP, value, target);
        }
        int fromSize = from.SizeOf(), toSize = to.SizeOf();
        if (fromSize == toSize)
        {
            return value;
        }
        return fromSize > toSize ? e.B.Cast(CastOp.Trunc, value, target) : e.B.Cast(IsUnsigned(from) ? CastOp.ZExt : CastOp.SExt, value, target);
    }
}
