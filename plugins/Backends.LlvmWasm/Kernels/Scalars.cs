using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// Typed scalar access for kernels that handle more than float32: the LLVM type of each element type, loads and
/// stores, and conversions between element types with ONNX Runtime's semantics (bool is one byte, 0 or 1; float to
/// integer truncates toward zero, saturating because the target has nontrapping-fptoint). Integers are stored in an
/// LLVM integer of their width, signedness living in the operations (udiv/sdiv, zext/sext, ult/slt); float16 and
/// bfloat16 are stored as i16 bits and computed in f32 (see <see cref="HalfFloat"/>).
/// </summary>
internal static class Scalars
{
    public static LType TypeOf(Emitter e, DataType type) => type switch
    {
        DataType.Float32 => e.Ctx.F32,
        DataType.Float64 => e.Ctx.F64,
        _ => type.SizeOf() switch
        {
            8 => e.Ctx.I64,
            4 => e.Ctx.I32,
            2 => e.Ctx.I16,
            _ => e.Ctx.I8,
        },
    };

    /// <summary>Stored as an LLVM float (f32 or f64); the 16-bit formats are stored as i16 and are not.</summary>
    public static bool IsFloat(DataType type) => type is DataType.Float32 or DataType.Float64;

    public static bool IsUnsigned(DataType type) => type.IsUnsigned();

    /// <summary>The type arithmetic on <paramref name="type"/> is done in: float32 for the 16-bit floats, else itself.</summary>
    public static DataType ComputeType(DataType type) => type.IsHalf() ? DataType.Float32 : type;

    public static LValue Load(Emitter e, DataType type, LValue basePtr, LValue index) => e.Load(TypeOf(e, type), type.SizeOf(), basePtr, index);

    public static void Store(Emitter e, DataType type, LValue value, LValue basePtr, LValue index) => e.Store(TypeOf(e, type), type.SizeOf(), value, basePtr, index);

    /// <summary>Loads an element as its <see cref="ComputeType"/> (a 16-bit float widened to f32).</summary>
    public static LValue LoadForCompute(Emitter e, DataType type, LValue basePtr, LValue index)
        => Convert(e, Load(e, type, basePtr, index), type, ComputeType(type));

    /// <summary>Stores a value computed in <see cref="ComputeType"/> as <paramref name="type"/> (narrowing 16-bit floats).</summary>
    public static void StoreFromCompute(Emitter e, DataType type, LValue value, LValue basePtr, LValue index)
        => Store(e, type, Convert(e, value, ComputeType(type), type), basePtr, index);

    /// <summary>An i1 condition as a stored bool (i8 0 or 1).</summary>
    public static LValue FromCondition(Emitter e, LValue condition) => e.B.Cast(CastOp.ZExt, condition, e.Ctx.I8);

    /// <summary>A constant of the element type (for a 16-bit float, its bits).</summary>
    public static LValue Constant(Emitter e, DataType type, double value) => type switch
    {
        DataType.Float32 => e.F(value),
        DataType.Float64 => e.Ctx.F64Const(value),
        DataType.Float16 or DataType.BFloat16 => e.Ctx.Int(e.Ctx.I16, HalfFloats.FromDouble(value, type)),
        DataType.UInt64 => e.Ctx.Int(e.Ctx.I64, unchecked((long)(ulong)value)),
        _ => e.Ctx.Int(TypeOf(e, type), (long)value),
    };

    /// <summary>Converts a loaded value from one element type to another.</summary>
    public static LValue Convert(Emitter e, LValue value, DataType from, DataType to)
    {
        if (from == to)
        {
            return value;
        }
        if (from.IsHalf())
        {
            return Convert(e, HalfFloat.ToF32(e, value, from), DataType.Float32, to); // exact, then as from float32
        }
        if (to.IsHalf())
        {
            // Integers go through f64 (exact up to 2^53), so the result is rounded once.
            var wide = IsFloat(from) ? value : Convert(e, value, from, DataType.Float64);
            return HalfFloat.FromFloat(e, wide, to);
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
            // fptosi on narrow integers is not a wasm instruction: convert to i32 or i64 and truncate. uint32 goes
            // through i64 so values above 2^31 survive; uint64 saturates unsigned (negatives become 0).
            bool unsigned64 = to == DataType.UInt64;
            var wide = to.SizeOf() == 8 || to == DataType.UInt32 ? e.Ctx.I64 : e.Ctx.I32;
            var (function, functionType) = e.Module.Intrinsic(unsigned64 ? "llvm.fptoui.sat" : "llvm.fptosi.sat", wide, value.Type);
            var converted = e.B.Call(functionType, function, value);
            return to.SizeOf() < wide.SizeBytes(e) ? e.B.Cast(CastOp.Trunc, converted, target) : converted;
        }
        if (IsFloat(to))
        {
            return e.B.Cast(IsUnsigned(from) ? CastOp.UIToFP : CastOp.SIToFP, value, target);
        }
        int fromSize = from.SizeOf(), toSize = to.SizeOf();
        if (fromSize == toSize)
        {
            return value;
        }
        return fromSize > toSize ? e.B.Cast(CastOp.Trunc, value, target) : e.B.Cast(IsUnsigned(from) ? CastOp.ZExt : CastOp.SExt, value, target);
    }

    private static int SizeBytes(this LType type, Emitter e) => type == e.Ctx.I64 ? 8 : 4;
}
