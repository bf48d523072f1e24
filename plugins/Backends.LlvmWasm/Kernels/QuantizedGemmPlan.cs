using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using In = WasmGraph.Abstractions.Ops.QuantizedOps.Input;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>How the int8 product's inner loop multiplies (docs/performance.md, "int8 kernels").</summary>
internal enum Int8Dot
{
    /// <summary>
    /// <c>i32x4.relaxed_dot_i8x16_i7x16_add_s</c> (not the default: measured slower than <see cref="Int16"/> here, see
    /// docs/performance.md "int8 kernels"; tests reach it through <see cref="QuantizedGemmKernel(bool)"/>): weights (w − w₀, which must fit int8) are the signed operand; each
    /// uint8 activation is split into x≫1 and x&amp;1, both 7-bit, so the instruction is exact on every engine, and the
    /// kernel adds 2·dot(w, x≫1) + dot(w, x&amp;1).
    /// </summary>
    Relaxed,

    /// <summary>
    /// <c>i32x4.dot_i16x8_s</c>: activations widened to int16 when packed, int8 weights widened as loaded. Exact, any
    /// engine with SIMD128; the default wherever SIMD128 is (also under --deterministic and the simd128 profile).
    /// </summary>
    Int16,

    /// <summary>Scalar int32 multiply-adds, for targets without SIMD128.</summary>
    Scalar,
}

/// <summary>
/// What the int8 kernels fold at compile time from QuantizedConv/QuantizedMatMul's constant inputs: the weights minus
/// their zero point, as rows of K per output channel; one int32 offset per channel that carries the bias and the
/// activation zero point's share (−x₀·Σw′, so the inner loop multiplies raw activations); and the float multiplier
/// x_scale·w_scale/y_scale, computed in float32 in the order ONNX Runtime computes it, so its rounding matches.
/// int8 activations enter the kernel as uint8 (x + 128, by flipping the top bit) with x₀ + 128: the products are
/// unchanged and every path sees non-negative activations.
/// </summary>
internal sealed record QuantizedGemmPlan(
    int Groups, int ChannelsPerGroup, int Reduction, int[] Weights, int[] Offsets, float[] Multipliers,
    bool SignedInput, int OutputZero, int OutputMin, int OutputMax)
{
    /// <summary>Output channels per packed block: four vectors of four (one activation splat feeds four dot products).</summary>
    public const int ChannelBlock = 16;

    /// <summary>The reduction padded to whole 4-byte groups (the relaxed dot's lane width; zero weights there).</summary>
    public int PaddedReduction => (Reduction + 3) / 4 * 4;

    public int PaddedChannels => (ChannelsPerGroup + ChannelBlock - 1) / ChannelBlock * ChannelBlock;

    /// <summary>Whether every centred weight fits int8: the packed SIMD panels hold int8 (the int16 path widens them as it loads).</summary>
    public bool WeightsFitInt8 => Weights.All(w => w is >= -128 and <= 127);

    /// <summary>
    /// Reads the constants of <paramref name="node"/>; <paramref name="weightAt"/> gives W[channel, k] of its weight
    /// tensor. For <see cref="QuantizedOps.MatMulToFloat"/> the multiplier is x_scale·w_scale (no output scale), the
    /// offsets carry no bias (its float32 bias is added after the multiplication, <see cref="Int8FloatEpilogue"/>), and the
    /// output range fields are unused.
    /// </summary>
    public static QuantizedGemmPlan Create(Node node, Graph graph, int groups, int channels, int reduction, Func<long[], int, int, long> weightAt)
    {
        TensorData Constant(int index) => graph.ConstantOrNull(node.Inputs[index]) ?? throw new InvalidOperationException($"input {index} is not constant");
        var weights = Constant(In.W).ToInt64Array();
        var weightZero = Constant(In.WZero).ToInt64Array();
        var weightScale = Constant(In.WScale).ToFloatArray();
        float inputScale = Constant(In.XScale).ToFloatArray()[0];
        bool floatOutput = node.Op == QuantizedOps.MatMulToFloat;
        float outputScale = floatOutput ? 1f : Constant(In.YScale).ToFloatArray()[0];
        bool signedInput = graph.TypeOf(node.Inputs[In.X]).ElementType == DataType.Int8;
        long inputZero = Constant(In.XZero).ToInt64Array()[0] + (signedInput ? 128 : 0);
        var bias = node.InputOrNull(In.Bias) is { Length: > 0 } && !floatOutput ? Constant(In.Bias).ToInt64Array() : new long[channels];
        var centred = new int[channels * reduction];
        var offsets = new int[channels];
        var multipliers = new float[channels];
        for (int m = 0; m < channels; m++)
        {
            long zero = weightZero[weightZero.Length == 1 ? 0 : m];
            long sum = 0;
            for (int k = 0; k < reduction; k++)
            {
                long w = weightAt(weights, m, k) - zero;
                centred[m * reduction + k] = (int)w;
                sum += w;
            }
            offsets[m] = unchecked((int)(bias[m] - inputZero * sum));
            float product = inputScale * weightScale[weightScale.Length == 1 ? 0 : m];
            multipliers[m] = product / outputScale;
        }
        var outputType = graph.TypeOf(node.Outputs[0]).ElementType;
        var (low, high) = QuantizedOps.Range(outputType);
        return new QuantizedGemmPlan(groups, channels / groups, reduction, centred, offsets, multipliers, signedInput,
            floatOutput ? 0 : (int)Constant(In.YZero).ToInt64Array()[0],
            (int)node.Attributes.GetInt(QuantizedOps.OutputMin, low), (int)node.Attributes.GetInt(QuantizedOps.OutputMax, high));
    }

    /// <summary>
    /// The weights of one path's inner loop, group after group and block after block of <see cref="ChannelBlock"/>
    /// channels, as int8. Relaxed: per 4-wide k step, 4 vectors × 4 channels × 4 k. Int16: per 2-wide k step, 4 vectors
    /// × 4 channels × 2 k, each 8 bytes widened to int16 by one load (v128.load8x8_s). Scalar: int16 rows of
    /// <see cref="PaddedReduction"/> per channel. Padding is zero.
    /// </summary>
    public byte[] Pack(Int8Dot dot)
    {
        int kp = PaddedReduction, mp = PaddedChannels;
        int Weight(int g, int m, int k) => m < ChannelsPerGroup && k < Reduction ? Weights[(g * ChannelsPerGroup + m) * Reduction + k] : 0;
        if (dot == Int8Dot.Scalar)
        {
            var rows = new short[Groups * ChannelsPerGroup * kp];
            for (int g = 0; g < Groups; g++)
            {
                for (int m = 0; m < ChannelsPerGroup; m++)
                {
                    for (int k = 0; k < kp; k++)
                    {
                        rows[(g * ChannelsPerGroup + m) * kp + k] = (short)Weight(g, m, k);
                    }
                }
            }
            return System.Runtime.InteropServices.MemoryMarshal.AsBytes(rows.AsSpan()).ToArray();
        }
        int kStep = dot == Int8Dot.Relaxed ? 4 : 2;
        var packed = new byte[Groups * mp * kp];
        int at = 0;
        for (int g = 0; g < Groups; g++)
        {
            for (int block = 0; block < mp; block += ChannelBlock)
            {
                for (int k0 = 0; k0 < kp; k0 += kStep)
                {
                    for (int m = block; m < block + ChannelBlock; m++)
                    {
                        for (int k = k0; k < k0 + kStep; k++)
                        {
                            packed[at++] = (byte)Weight(g, m, k);
                        }
                    }
                }
            }
        }
        return packed;
    }
}
