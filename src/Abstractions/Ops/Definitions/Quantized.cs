using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using static WasmGraph.Abstractions.Ops.ShapeMath;

namespace WasmGraph.Abstractions.Ops;

/// <summary>
/// The names, inputs and attributes of the 8-bit integer ops (docs/ir.md, "Quantized ops"): a Conv or MatMul on 8-bit
/// operands accumulated in int32, with the requantisation to the 8-bit output fused into the store. The frontend makes
/// them from ONNX's QLinearConv/QLinearMatMul, the fuse-qdq pass from DequantizeLinear → Conv/MatMul/Gemm →
/// QuantizeLinear.
/// </summary>
public static class QuantizedOps
{
    /// <summary>An 8-bit Conv with requantised output (inputs: see <see cref="Input"/>; attributes as Conv's).</summary>
    public const string Conv = "QuantizedConv";

    /// <summary>An 8-bit A × constant 8-bit B (B of rank 2) with requantised output; the bias and scales run along B's columns.</summary>
    public const string MatMul = "QuantizedMatMul";

    /// <summary>
    /// An 8-bit A × constant 8-bit B (B of rank 2) with a float32 output: (Σ (x − x₀)(w − w₀)) · x_scale·w_scale + bias,
    /// with the float32 bias (optional) and the scales along B's columns; no y_scale or y_zero_point (inputs 0–6 of
    /// <see cref="Input"/>). What a QDQ MatMul becomes when no QuantizeLinear follows it (ONNX Runtime's
    /// MatMulIntegerToFloat).
    /// </summary>
    public const string MatMulToFloat = "QuantizedMatMulToFloat";

    /// <summary>
    /// The inclusive range the quantised output is clamped to before it is stored (defaults: the output type's range).
    /// A fused Relu or Clip becomes this range: both commute with the monotone rounding of QuantizeLinear.
    /// </summary>
    public const string OutputMin = "output_min";

    /// <summary>See <see cref="OutputMin"/>.</summary>
    public const string OutputMax = "output_max";

    /// <summary>The inputs of the ops, in order; the bias is optional ("" when absent); <see cref="MatMulToFloat"/> stops at WZero.</summary>
    public static class Input
    {
        public const int X = 0, W = 1, Bias = 2, XScale = 3, XZero = 4, WScale = 5, WZero = 6, YScale = 7, YZero = 8;
    }

    /// <summary>The range of an 8-bit type.</summary>
    public static (int Min, int Max) Range(DataType type) => type == DataType.Int8 ? (-128, 127) : (0, 255);
}

public static partial class StandardOps
{
    public static IEnumerable<OpDefinition> Quantized()
    {
        yield return new OpDefinition(QuantizedOps.Conv, FusionKind.Opaque, c => InferQuantized(c, InferConvOperands(c), channels: c.Input(1).Shape[0]),
            "y = saturate(round_half_even((Σ (x − x₀)(w − w₀) + bias) · x_scale·w_scale/y_scale) + y₀), w₀ and w_scale per output channel or one value")
        {
            RequiredAttributes = ["kernel_shape", "strides", "dilations", "pads", "group"],
        };
        yield return new OpDefinition(QuantizedOps.MatMul, FusionKind.Opaque, InferQuantizedMatMul,
            "as QuantizedConv for A × B with B a constant [K, N] matrix; w₀, w_scale and bias per column of B or one value");
        yield return new OpDefinition(QuantizedOps.MatMulToFloat, FusionKind.Opaque, InferQuantizedMatMul,
            "y = float32(Σ (x − x₀)(w − w₀)) · (x_scale·w_scale) + bias, float32 y and bias, B a constant [K, N] matrix; w₀, w_scale and bias per column of B or one value");
    }

    private static ImmutableArray<TensorType> InferQuantizedMatMul(InferenceContext c)
    {
        var b = c.Input(QuantizedOps.Input.W).Shape;
        if (b.Rank != 2)
        {
            throw c.Error($"B must be a [K, N] matrix, got {b}");
        }
        return InferQuantized(c, InferMatMul(c), channels: b[1]);
    }

    /// <summary>
    /// Checks the element types and parameter shapes shared by the ops; the output has y_zero_point's type
    /// (<see cref="QuantizedOps.MatMulToFloat"/>: float32, with a float32 bias and no output parameters).
    /// </summary>
    private static ImmutableArray<TensorType> InferQuantized(InferenceContext c, ImmutableArray<TensorType> shaped, long channels)
    {
        static bool Is8Bit(DataType t) => t is DataType.UInt8 or DataType.Int8;
        bool floatOutput = c.Node.Op == QuantizedOps.MatMulToFloat;
        var x = c.Input(QuantizedOps.Input.X);
        var w = c.Input(QuantizedOps.Input.W);
        if (floatOutput && c.InputCount > QuantizedOps.Input.WZero + 1)
        {
            throw c.Error($"takes {QuantizedOps.Input.WZero + 1} inputs (no y_scale, y_zero_point), got {c.InputCount}");
        }
        if (floatOutput && (!Is8Bit(x.ElementType) || !Is8Bit(w.ElementType)))
        {
            throw c.Error($"x and w must be uint8 or int8, got {x.ElementType.Name()}, {w.ElementType.Name()}");
        }
        var y = floatOutput ? x : c.Input(QuantizedOps.Input.YZero);
        if (!Is8Bit(x.ElementType) || !Is8Bit(w.ElementType) || !Is8Bit(y.ElementType))
        {
            throw c.Error($"x, w and y_zero_point must be uint8 or int8, got {x.ElementType.Name()}, {w.ElementType.Name()}, {y.ElementType.Name()}");
        }
        void Parameter(int index, string name, DataType type, bool perChannel)
        {
            var p = c.Input(index);
            if (p.ElementType != type || !(p.ElementCount == 1 || perChannel && p.Shape == new Shape(channels)))
            {
                throw c.Error($"{name} (input {index}) must be {type.Name()} with one value{(perChannel ? $" or [{channels}]" : "")}, got {p}");
            }
        }
        Parameter(QuantizedOps.Input.XScale, "x_scale", DataType.Float32, perChannel: false);
        Parameter(QuantizedOps.Input.XZero, "x_zero_point", x.ElementType, perChannel: false);
        Parameter(QuantizedOps.Input.WScale, "w_scale", DataType.Float32, perChannel: true);
        Parameter(QuantizedOps.Input.WZero, "w_zero_point", w.ElementType, perChannel: true);
        if (floatOutput)
        {
            if (c.HasInput(QuantizedOps.Input.Bias) && c.Input(QuantizedOps.Input.Bias) != new TensorType(DataType.Float32, new Shape(channels)))
            {
                throw c.Error($"bias (input {QuantizedOps.Input.Bias}) must be float32 [{channels}], got {c.Input(QuantizedOps.Input.Bias)}");
            }
            return One(DataType.Float32, shaped[0].Shape);
        }
        Parameter(QuantizedOps.Input.YScale, "y_scale", DataType.Float32, perChannel: false);
        if (y.ElementCount != 1)
        {
            throw c.Error($"y_zero_point (input {QuantizedOps.Input.YZero}) must have one value, got {y}");
        }
        if (c.HasInput(QuantizedOps.Input.Bias) && c.Input(QuantizedOps.Input.Bias) != new TensorType(DataType.Int32, new Shape(channels)))
        {
            throw c.Error($"bias (input {QuantizedOps.Input.Bias}) must be int32 [{channels}], got {c.Input(QuantizedOps.Input.Bias)}");
        }
        var (low, high) = QuantizedOps.Range(y.ElementType);
        long min = c.Attributes.GetInt(QuantizedOps.OutputMin, low), max = c.Attributes.GetInt(QuantizedOps.OutputMax, high);
        if (min < low || max > high || min > max)
        {
            throw c.Error($"output range [{min}, {max}] must lie within {y.ElementType.Name()}'s [{low}, {high}] and not be empty");
        }
        return One(y.ElementType, shaped[0].Shape);
    }
}
