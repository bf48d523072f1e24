using Microsoft.ML.OnnxRuntime;

namespace WasmGraph.Apps.Quantize;

/// <summary>
/// How far one quantized node's output moved: the tensor its readers see in the QDQ model (after its own
/// QuantizeLinear/DequantizeLinear, so every error up to and including that node counts) against the same tensor
/// of the float model, on one calibration sample. SQNR = 10·log10(Σ f² / Σ (f − q)²) dB (higher is better; each
/// int8 bit is worth about 6 dB), relative error = ‖f − q‖ / ‖f‖.
/// </summary>
public sealed record LayerError(string Node, string Op, string Tensor, double SqnrDb, double RelativeError, double MaxAbsError)
{
    public static LayerError Measure(string node, string op, string tensor, ReadOnlySpan<float> reference, ReadOnlySpan<float> quantized)
    {
        double signal = 0, noise = 0, maxAbs = 0;
        int n = Math.Min(reference.Length, quantized.Length);
        for (int i = 0; i < n; i++)
        {
            double f = reference[i], d = f - quantized[i];
            signal += f * f;
            noise += d * d;
            maxAbs = Math.Max(maxAbs, Math.Abs(d));
        }
        double sqnr = noise == 0 ? double.PositiveInfinity : signal == 0 ? double.NegativeInfinity : 10 * Math.Log10(signal / noise);
        double relative = signal == 0 ? (noise == 0 ? 0 : double.PositiveInfinity) : Math.Sqrt(noise / signal);
        return new LayerError(node, op, tensor, sqnr, relative, maxAbs);
    }

    internal static ReadOnlySpan<float> Floats(OrtValue value) => value.GetTensorDataAsSpan<float>();
}
