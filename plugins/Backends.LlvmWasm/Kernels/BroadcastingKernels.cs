using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// Typed elementwise ops with NumPy broadcasting over two or three operands: Pow, Max, Min, Mod, PRelu, BitShift,
/// the comparisons and logic ops (bool results), Where, and integer Add/Sub/Mul/Div (float arithmetic stays in
/// <see cref="BinaryKernel"/>). Same loop structure as BinaryKernel: per-operand strides, coalesced axes. Operands
/// are loaded in their compute type (float16 and bfloat16 widened to f32) and the result narrowed when stored.
/// </summary>
internal sealed class BroadcastKernel : IKernelGenerator
{
    private static readonly Dictionary<string, (RealPredicate Float, IntPredicate Signed, IntPredicate Unsigned)> Comparisons = new(StringComparer.Ordinal)
    {
        ["Equal"] = (RealPredicate.Oeq, IntPredicate.Eq, IntPredicate.Eq),
        ["Less"] = (RealPredicate.Olt, IntPredicate.Slt, IntPredicate.Ult),
        ["Greater"] = (RealPredicate.Ogt, IntPredicate.Sgt, IntPredicate.Ugt),
        ["LessOrEqual"] = (RealPredicate.Ole, IntPredicate.Sle, IntPredicate.Ule),
        ["GreaterOrEqual"] = (RealPredicate.Oge, IntPredicate.Sge, IntPredicate.Uge),
    };

    public IReadOnlyList<string> Ops { get; } = ["Pow", "Max", "Min", "Mod", "PRelu", "BitShift", "Where", "And", "Or", "Xor", .. Comparisons.Keys];

    public IReadOnlySet<DataType> ElementTypes => KernelTypes.All;

    public static readonly string[] IntegerArithmetic = ["Add", "Sub", "Mul", "Div"];

    public string? CheckSupported(Node node, Graph graph)
    {
        var type = graph.TypeOf(node.Inputs[node.Op == "Where" ? 1 : 0]).ElementType;
        if (type == DataType.Float64 && node.Op is "Pow" or "PRelu")
        {
            return $"float64 {node.Op} is not lowered"; // both build float32 constants and maths
        }
        if (node.Op == "Mod" && type.IsFloat() && node.Attributes.GetInt("fmod", 0) == 0)
        {
            return "float Mod needs fmod=1";
        }
        if (node.Op == "BitShift" && !type.IsUnsigned())
        {
            return $"BitShift needs an unsigned integer type, got {type.Name()}";
        }
        return node.Op is "PRelu" && type != DataType.Float32 ? "PRelu needs float32" : null;
    }

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var outShape = k.OutputType(0).Shape;
        int arity = k.Node.Inputs.Length;
        var strides = Enumerable.Range(0, arity).Select(i => BinaryKernel.BroadcastStrides(k.InputType(i).Shape, outShape)).ToArray();
        var (dims, coalesced) = BinaryKernel.Coalesce(outShape.Dims.ToArray(), strides);
        var stored = Enumerable.Range(0, arity).Select(i => k.InputType(i).ElementType).ToArray();
        var types = stored.Select(Scalars.ComputeType).ToArray();
        var outType = k.OutputType(0).ElementType;
        e.ParallelForEachIndex(dims, coalesced, (linear, offsets) => // large ones split over the workers
        {
            var values = Enumerable.Range(0, arity).Select(i => Scalars.LoadForCompute(e, stored[i], k.Input(i), offsets[i])).ToArray();
            var result = Compute(e, k.Node, values, types, Scalars.ComputeType(outType));
            Scalars.StoreFromCompute(e, outType, result, k.Output(0), linear);
        }, k.OuterCount(0, dims));
    }

    private static LValue Compute(Emitter e, Node node, LValue[] v, DataType[] types, DataType outType)
    {
        var type = types[0];
        bool isFloat = Scalars.IsFloat(type);
        if (Comparisons.TryGetValue(node.Op, out var predicates))
        {
            var condition = isFloat
                ? e.B.FCmp(predicates.Float, v[0], v[1])
                : e.B.ICmp(Scalars.IsUnsigned(type) ? predicates.Unsigned : predicates.Signed, v[0], v[1]);
            return Scalars.FromCondition(e, condition);
        }
        switch (node.Op)
        {
            case "Where":
                return e.B.Select(e.B.ICmp(IntPredicate.Ne, v[0], e.Ctx.Int(e.Ctx.I8, 0)), v[1], v[2]);
            case "And":
                return e.B.Binary(BinaryOp.And, v[0], v[1]);
            case "Or":
                return e.B.Binary(BinaryOp.Or, v[0], v[1]);
            case "Xor":
                return e.B.Binary(BinaryOp.Xor, v[0], v[1]);
            case "Pow":
                // In float32 whatever the operands: integers are converted, and the power rounded back.
                var b = Scalars.Convert(e, v[1], types[1], DataType.Float32);
                var power = ElementwiseLowering.Get("Pow").Scalar(e, [Scalars.Convert(e, v[0], type, DataType.Float32), b], node.Attributes);
                return isFloat ? power : Scalars.Convert(e, e.CallIntrinsic("llvm.roundeven", e.Ctx.F32, power), DataType.Float32, outType);
            case "Max" or "Min" or "Mod" or "PRelu" when isFloat:
                return ElementwiseLowering.Get(node.Op).Scalar(e, v, node.Attributes);
            case "Max" or "Min":
                bool max = node.Op == "Max";
                var pick = e.B.ICmp(Scalars.IsUnsigned(type) ? (max ? IntPredicate.Ugt : IntPredicate.Ult) : (max ? IntPredicate.Sgt : IntPredicate.Slt), v[0], v[1]);
                return e.B.Select(pick, v[0], v[1]);
            case "Mod":
                return IntegerMod(e, v[0], v[1], type, node.Attributes.GetInt("fmod", 0) != 0);
            case "BitShift":
                return Shift(e, v[0], v[1], type, node.Attributes.GetString("direction", "RIGHT") == "LEFT");
            default:
                return IntegerArithmeticOp(e, node.Op, v[0], v[1], type);
        }
    }

    /// <summary>Logical shift of an unsigned integer; an amount of the bit width or more gives 0 (LLVM would give poison).</summary>
    private static LValue Shift(Emitter e, LValue a, LValue amount, DataType type, bool left)
    {
        var shifted = e.B.Binary(left ? BinaryOp.Shl : BinaryOp.LShr, a, amount);
        var tooFar = e.B.ICmp(IntPredicate.Uge, amount, Scalars.Constant(e, type, type.SizeOf() * 8));
        return e.B.Select(tooFar, Scalars.Constant(e, type, 0), shifted);
    }

    private static LValue SafeDivisor(Emitter e, LValue b, DataType type)
        => e.B.Select(e.B.ICmp(IntPredicate.Eq, b, Scalars.Constant(e, type, 0)), Scalars.Constant(e, type, 1), b);

    private static LValue IntegerMod(Emitter e, LValue a, LValue b, DataType type, bool fmod)
    {
        bool unsigned = Scalars.IsUnsigned(type);
        var r = e.B.Binary(unsigned ? BinaryOp.URem : BinaryOp.SRem, a, SafeDivisor(e, b, type));
        if (fmod || unsigned)
        {
            return r;
        }
        // Python-style: the remainder takes the divisor's sign.
        var zero = Scalars.Constant(e, type, 0);
        var differ = e.B.ICmp(IntPredicate.Ne, e.B.ICmp(IntPredicate.Slt, r, zero), e.B.ICmp(IntPredicate.Slt, b, zero));
        var fix = e.B.Binary(BinaryOp.And, e.B.ICmp(IntPredicate.Ne, r, zero), differ);
        return e.B.Select(fix, e.B.Binary(BinaryOp.Add, r, b), r);
    }

    public static LValue IntegerArithmeticOp(Emitter e, string op, LValue a, LValue b, DataType type) => op switch
    {
        "Add" => e.B.Binary(BinaryOp.Add, a, b),
        "Sub" => e.B.Binary(BinaryOp.Sub, a, b),
        "Mul" => e.B.Binary(BinaryOp.Mul, a, b),
        "Div" => e.B.Binary(Scalars.IsUnsigned(type) ? BinaryOp.UDiv : BinaryOp.SDiv, a, SafeDivisor(e, b, type)),
        _ => throw new InvalidOperationException($"no integer lowering for {op}"),
    };
}

/// <summary>
/// Binary arithmetic with NumPy broadcasting. The loop nest runs over the output with per-operand strides (0 on
/// broadcast axes); adjacent axes that are contiguous for every operand are merged first, so the common cases (same
/// shape, per-channel bias) become one or two flat loops that LLVM vectorises.
/// </summary>
internal sealed class BinaryKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["Add", "Sub", "Mul", "Div"];

    public IReadOnlySet<DataType> ElementTypes => KernelTypes.All;

    public string? CheckSupported(Node node, Graph graph)
        => graph.TypeOf(node.Outputs[0]).ElementType == DataType.Bool ? "bool arithmetic is not lowered" : null;

    public void Emit(KernelContext k)
    {
        if (k.OutputType(0).ElementType != DataType.Float32)
        {
            TypedEmit(k); // integer, float64 and 16-bit float tensors (shape arithmetic that could not fold, double and half models)
            return;
        }
        var e = k.E;
        var outShape = k.OutputType(0).Shape;
        var strideA = BroadcastStrides(k.InputType(0).Shape, outShape);
        var strideB = BroadcastStrides(k.InputType(1).Shape, outShape);
        var (dims, strides) = Coalesce(outShape.Dims.ToArray(), [strideA, strideB]);
        var op = ElementwiseLowering.Get(k.Node.Op);
        e.ForEachIndex(dims, strides, (linear, offsets) =>
        {
            var a = e.LoadF32(k.Input(0), offsets[0]);
            var b = e.LoadF32(k.Input(1), offsets[1]);
            e.StoreF32(op.Scalar(e, [a, b], Attributes.Empty), k.Output(0), linear);
        }, k.OuterCount(0, dims));
    }

    private static void TypedEmit(KernelContext k)
    {
        var e = k.E;
        var type = k.OutputType(0).ElementType;
        bool isFloat = Scalars.IsFloat(Scalars.ComputeType(type));
        var outShape = k.OutputType(0).Shape;
        var (dims, strides) = Coalesce(outShape.Dims.ToArray(), [BroadcastStrides(k.InputType(0).Shape, outShape), BroadcastStrides(k.InputType(1).Shape, outShape)]);
        e.ForEachIndex(dims, strides, (linear, offsets) =>
        {
            var a = Scalars.LoadForCompute(e, type, k.Input(0), offsets[0]);
            var b = Scalars.LoadForCompute(e, type, k.Input(1), offsets[1]);
            var result = isFloat ? ElementwiseLowering.Get(k.Node.Op).Scalar(e, [a, b], Attributes.Empty) : BroadcastKernel.IntegerArithmeticOp(e, k.Node.Op, a, b, type);
            Scalars.StoreFromCompute(e, type, result, k.Output(0), linear);
        }, k.OuterCount(0, dims));
    }

    /// <summary>Strides of <paramref name="shape"/> aligned to the output rank, 0 where the operand broadcasts.</summary>
    public static long[] BroadcastStrides(Shape shape, Shape output)
    {
        var own = shape.Strides();
        var result = new long[output.Rank];
        int shift = output.Rank - shape.Rank;
        for (int d = 0; d < output.Rank; d++)
        {
            int sd = d - shift;
            result[d] = sd < 0 || shape[sd] == 1 ? 0 : own[sd];
        }
        return result;
    }

    /// <summary>Merges axis d into d+1 wherever every operand is either contiguous across both or broadcast on both.</summary>
    public static (long[] Dims, long[][] Strides) Coalesce(long[] dims, long[][] strides)
    {
        var outDims = new List<long>();
        var outStrides = strides.Select(_ => new List<long>()).ToArray();
        for (int d = 0; d < dims.Length; d++)
        {
            if (dims[d] == 1)
            {
                continue; // a unit axis contributes nothing to any offset
            }
            int last = outDims.Count - 1;
            bool mergeable = last >= 0 && strides.Select((s, k) => (s, k)).All(p =>
                outStrides[p.k][last] == p.s[d] * dims[d]);
            if (mergeable)
            {
                outDims[last] *= dims[d];
                for (int k = 0; k < strides.Length; k++)
                {
                    outStrides[k][last] = strides[k][d];
                }
            }
            else
            {
                outDims.Add(dims[d]);
                for (int k = 0; k < strides.Length; k++)
                {
                    outStrides[k].Add(strides[k][d]);
                }
            }
        }
        return (outDims.ToArray(), outStrides.Select(s => s.ToArray()).ToArray());
    }
}
