namespace WasmGraph.Apps.Quantize;

/// <summary>The integer type activations are stored in: uint8 (ONNX Runtime's default for QDQ) or int8.</summary>
public enum ActivationType
{
    U8,
    S8,
}

/// <summary>One tensor's affine quantization: <c>real = (q − ZeroPoint) · Scale</c>.</summary>
public readonly record struct QuantParams(float Scale, int ZeroPoint);

/// <summary>
/// The arithmetic of static quantization, as ONNX Runtime's quantizer does it (quant_utils.compute_scale_zp), so a
/// model we write and one it writes from the same ranges agree: activations are asymmetric over a range widened to
/// include 0 (so 0.0 is exactly representable: zero padding and ReLU stay exact); weights are symmetric int8 in
/// [−127, 127] (zero point 0, the range ±127 keeps −128 out, so a weight's negation is representable too); biases are
/// int32 with scale = input scale × weight scale and zero point 0, so they add straight into the int32 accumulator.
/// Rounding is to nearest, ties to even (numpy's rint, ONNX QuantizeLinear's rounding).
/// </summary>
public static class QuantMath
{
    public const int WeightQMax = 127;

    public static (int Min, int Max) Limits(ActivationType type) => type == ActivationType.U8 ? (0, 255) : (-128, 127);

    /// <summary>Scale and zero point for an activation whose values lie in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static QuantParams Activation(double min, double max, ActivationType type)
    {
        var (qmin, qmax) = Limits(type);
        double lo = Math.Min(min, 0), hi = Math.Max(max, 0);
        if (!double.IsFinite(lo) || !double.IsFinite(hi))
        {
            throw new ArgumentException($"range [{min}, {max}] is not finite");
        }
        if (hi == lo)
        {
            return new QuantParams(1f, 0); // an all-zero tensor: any scale is exact, and 0 maps to 0
        }
        float scale = (float)((hi - lo) / (qmax - qmin));
        int zeroPoint = (int)Math.Clamp(Math.Round(qmin - lo / scale, MidpointRounding.ToEven), qmin, qmax);
        return new QuantParams(scale, zeroPoint);
    }

    /// <summary>The symmetric int8 scale of a weight slice whose largest magnitude is <paramref name="absMax"/>.</summary>
    public static float WeightScale(double absMax) => absMax > 0 ? (float)(absMax / WeightQMax) : 1f;

    public static sbyte QuantizeWeight(float value, float scale)
        => (sbyte)Math.Clamp(Math.Round(value / scale, MidpointRounding.ToEven), -WeightQMax, WeightQMax);

    public static int QuantizeActivation(float value, QuantParams p, ActivationType type)
    {
        var (qmin, qmax) = Limits(type);
        return (int)Math.Clamp(Math.Round(value / p.Scale, MidpointRounding.ToEven) + p.ZeroPoint, qmin, qmax);
    }

    /// <summary>The int32 bias value, or null when it does not fit (a tiny input × weight scale): then the bias stays float.</summary>
    public static int? QuantizeBias(float value, float scale)
    {
        double q = Math.Round(value / (double)scale, MidpointRounding.ToEven);
        return q is >= int.MinValue and <= int.MaxValue && scale > 0 ? (int)q : null;
    }
}
