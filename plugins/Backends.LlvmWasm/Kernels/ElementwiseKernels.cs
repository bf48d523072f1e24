using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

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
        => graph.TypeOf(node.Outputs[0]).ElementType switch
        {
            DataType.Float32 => Activation.Check(node),
            DataType.Bool => "bool arithmetic is not lowered",
            var t when node.Attributes.Has(Activation.Attribute) => $"a fused activation on {t.Name()} arithmetic is not lowered",
            _ => null,
        };

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
        var op = FloatOp(k.Node.Op);
        e.ForEachIndex(dims, strides, (linear, offsets) =>
        {
            var a = e.LoadF32(k.Input(0), offsets[0]);
            var b = e.LoadF32(k.Input(1), offsets[1]);
            var result = Activation.Apply(e, k.Attributes, e.B.Binary(op, a, b));
            e.StoreF32(result, k.Output(0), linear);
        });
    }

    private static BinaryOp FloatOp(string op) => op switch
    {
        "Add" => BinaryOp.FAdd,
        "Sub" => BinaryOp.FSub,
        "Mul" => BinaryOp.FMul,
        _ => BinaryOp.FDiv,
    };

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
            var result = isFloat ? e.B.Binary(FloatOp(k.Node.Op), a, b) : BroadcastKernel.IntegerArithmeticOp(e, k.Node.Op, a, b, type);
            Scalars.StoreFromCompute(e, type, result, k.Output(0), linear);
        });
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

/// <summary>Relu, Sigmoid and Clip: one flat loop over the elements (Clip also on integers, with integer bounds).</summary>
internal sealed class UnaryKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["Relu", "Sigmoid", "Clip"];

    public string? CheckSupported(Node node, Graph graph)
        => graph.TypeOf(node.Outputs[0]).ElementType switch
        {
            DataType.Float32 => null,
            DataType.Int8 or DataType.UInt8 or DataType.Int32 or DataType.Int64 when node.Op == "Clip" => null,
            _ => "only float32 is lowered",
        };

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var type = k.OutputType(0).ElementType;
        if (type != DataType.Float32)
        {
            ClipIntegers(k, type);
            return;
        }
        e.For(k.OutputType(0).ElementCount, i =>
        {
            var x = e.LoadF32(k.Input(0), i);
            var y = k.Node.Op switch
            {
                "Relu" => e.FMaxKeepNaN(x, e.F(0)),
                "Sigmoid" => e.Sigmoid(x),
                _ => e.FMinKeepNaN(e.FMaxKeepNaN(x, e.F(k.Attributes.GetFloat("min", float.NegativeInfinity))), e.F(k.Attributes.GetFloat("max", float.PositiveInfinity))),
            };
            e.StoreF32(y, k.Output(0), i);
        });
    }

    /// <summary>
    /// Integer Clip: the float bounds (±float.MaxValue when absent) are narrowed to the element type's range and
    /// rounded inwards at compile time, then each element is clamped with integer compares.
    /// </summary>
    private static void ClipIntegers(KernelContext k, DataType type)
    {
        var e = k.E;
        var (low, high) = type switch
        {
            DataType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
            DataType.UInt8 => (byte.MinValue, byte.MaxValue),
            DataType.Int32 => (int.MinValue, int.MaxValue),
            _ => (long.MinValue, (double)long.MaxValue),
        };
        double min = Math.Ceiling(Math.Max(k.Attributes.GetFloat("min", float.NegativeInfinity), low));
        double max = Math.Floor(Math.Min(k.Attributes.GetFloat("max", float.PositiveInfinity), high));
        var lo = Scalars.Constant(e, type, min);
        var hi = Scalars.Constant(e, type, max);
        bool unsigned = Scalars.IsUnsigned(type);
        e.For(k.OutputType(0).ElementCount, i =>
        {
            var x = Scalars.Load(e, type, k.Input(0), i);
            x = e.B.Select(e.B.ICmp(unsigned ? IntPredicate.Ult : IntPredicate.Slt, x, lo), lo, x);
            x = e.B.Select(e.B.ICmp(unsigned ? IntPredicate.Ugt : IntPredicate.Sgt, x, hi), hi, x);
            Scalars.Store(e, type, x, k.Output(0), i);
        });
    }
}

/// <summary>
/// Inference-mode BatchNormalization as y = x·s + t, with s and t computed at compile time from constant parameters
/// (per channel, or per element of C×H×W for the opset-8 <c>spatial=0</c> form).
/// </summary>
internal sealed class BatchNormKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["BatchNormalization"];

    public string? CheckSupported(Node node, Graph graph)
        => Enumerable.Range(1, 4).All(i => graph.IsConstant(node.Inputs[i])) ? null : "scale, bias, mean and variance must be constants";

    public IReadOnlyList<int> CompileTimeInputs(Node node, Graph graph) => [1, 2, 3, 4];

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var x = k.InputType(0).Shape;
        float eps = k.Attributes.GetFloat("epsilon", 1e-5f);
        var scale = k.ConstantInput(1)!.ToFloatArray();
        var bias = k.ConstantInput(2)!.ToFloatArray();
        var mean = k.ConstantInput(3)!.ToFloatArray();
        var variance = k.ConstantInput(4)!.ToFloatArray();
        var s = new float[scale.Length];
        var t = new float[scale.Length];
        for (int c = 0; c < s.Length; c++)
        {
            s[c] = (float)(scale[c] / Math.Sqrt(variance[c] + (double)eps));
            t[c] = (float)(bias[c] - mean[c] * (double)s[c]);
        }
        var sPtr = k.EmbedFloats(s);
        var tPtr = k.EmbedFloats(t);
        long batch = x[0];
        long perBatch = x.ElementCount / Math.Max(batch, 1);
        long inner = perBatch / s.Length; // spatial size per parameter (1 when spatial=0)
        e.For(batch, n => e.For(s.Length, c =>
        {
            var sc = e.LoadF32(sPtr, c);
            var sh = e.LoadF32(tPtr, c);
            var baseIndex = e.Add(e.Mul(n, perBatch), e.Mul(c, inner));
            e.For(inner, j =>
            {
                var idx = e.Add(baseIndex, j);
                e.StoreF32(e.FAdd(e.FMul(e.LoadF32(k.Input(0), idx), sc), sh), k.Output(0), idx);
            });
        }));
    }
}
