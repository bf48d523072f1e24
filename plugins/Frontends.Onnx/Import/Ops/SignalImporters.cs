using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>
/// The signal-processing generators HannWindow, HammingWindow, BlackmanWindow and MelWeightMatrix. Their inputs are
/// sizes and frequencies, and their outputs depend on nothing else, so with constant inputs (as the output shape
/// requires) they are constants: computed here in double precision, as the spec's formulas, then converted to
/// <c>output_datatype</c>.
/// </summary>
internal static class SignalImporters
{
    /// <summary>A cosine-sum window Σ (−1)^k a_k cos(2πkn / N′), N′ = N (periodic) or N − 1 (symmetric).</summary>
    public static OpImporter Window(params double[] coefficients) => (node, opset, context) =>
    {
        long size = ScalarInput(node, context, 0, "size");
        if (size < 0)
        {
            throw context.Error(node, $"size {size} is negative");
        }
        context.Limits.CheckType(new TensorType(DataType.Float64, new Shape(size)), $"output ({size} values)", node.Name, node.OpType);
        double period = node.Attributes.Int("periodic", 1) != 0 ? size : size - 1;
        var values = new double[size];
        for (long n = 0; n < size; n++)
        {
            double sum = 0;
            for (int k = 0; k < coefficients.Length; k++)
            {
                sum += (k % 2 == 0 ? 1 : -1) * coefficients[k] * Math.Cos(2 * Math.PI * k * n / period);
            }
            values[n] = sum;
        }
        context.AddConstant(node, context.FirstOutput(node), Convert(node, context, new Shape(size), values));
    };

    /// <summary>
    /// MelWeightMatrix [dft_length/2 + 1, num_mel_bins]: triangular filters between num_mel_bins + 2 points spaced
    /// evenly on the mel scale (mel = 2595·log10(1 + f/700)) from lower to upper edge, each mapped to the spectrogram bin
    /// ⌊(dft_length + 1)·f / sample_rate⌋, as the spec's reference computes it.
    /// </summary>
    public static void MelWeightMatrix(OnnxNode node, int opset, ImportContext context)
    {
        long melBins = ScalarInput(node, context, 0, "num_mel_bins");
        long dftLength = ScalarInput(node, context, 1, "dft_length");
        long sampleRate = ScalarInput(node, context, 2, "sample_rate");
        double lower = ScalarFloat(node, context, 3, "lower_edge_hertz");
        double upper = ScalarFloat(node, context, 4, "upper_edge_hertz");
        if (melBins < 1 || dftLength < 1 || sampleRate < 1)
        {
            throw context.Error(node, $"num_mel_bins ({melBins}), dft_length ({dftLength}) and sample_rate ({sampleRate}) must be positive");
        }
        long spectrogramBins = dftLength / 2 + 1;
        var shape = new Shape(spectrogramBins, melBins);
        context.Limits.CheckType(new TensorType(DataType.Float64, shape), $"output {shape}", node.Name, node.OpType);
        double lowMel = 2595 * Math.Log10(1 + lower / 700), highMel = 2595 * Math.Log10(1 + upper / 700);
        double step = (highMel - lowMel) / (melBins + 2);
        var points = new long[melBins + 2];
        for (long i = 0; i < points.Length; i++)
        {
            double hertz = 700 * (Math.Pow(10, (i * step + lowMel) / 2595) - 1);
            points[i] = (long)Math.Floor((dftLength + 1) * hertz / sampleRate);
        }
        var values = new double[shape.ElementCount];
        void Set(long bin, long mel, double value)
        {
            if (bin < 0 || bin >= spectrogramBins)
            {
                throw context.Error(node, $"the mel filters reach spectrogram bin {bin}, outside [0, {spectrogramBins}); is upper_edge_hertz above sample_rate / 2?");
            }
            values[bin * melBins + mel] = value;
        }
        for (long m = 0; m < melBins; m++)
        {
            long left = points[m], center = points[m + 1], right = points[m + 2];
            if (center == left)
            {
                Set(center, m, 1);
            }
            else
            {
                for (long j = left; j <= center; j++)
                {
                    Set(j, m, (double)(j - left) / (center - left));
                }
            }
            for (long j = center; j < right; j++)
            {
                Set(j, m, (double)(right - j) / (right - center));
            }
        }
        context.AddConstant(node, context.FirstOutput(node), Convert(node, context, shape, values));
    }

    private static TensorData Convert(OnnxNode node, ImportContext context, Shape shape, double[] values)
    {
        int type = (int)node.Attributes.Int("output_datatype", (long)DataType.Float32);
        if (!DataTypes.IsDefined(type))
        {
            throw context.Unsupported(node, $"output_datatype {type}");
        }
        return ConstantMath.FromDoubles((DataType)type, shape, values);
    }

    private static TensorData ScalarConstant(OnnxNode node, ImportContext context, int index, string role)
    {
        // The value decides the output's shape or contents table.
        var data = context.OptionalParameter(node, index, role) ?? throw context.Error(node, $"input '{role}' is required");
        if (data.Type.ElementCount != 1)
        {
            throw context.Error(node, $"'{role}' must be a scalar, got {data.Type}");
        }
        return data;
    }

    private static long ScalarInput(OnnxNode node, ImportContext context, int index, string role)
        => ScalarConstant(node, context, index, role).ToInt64Array()[0];

    private static double ScalarFloat(OnnxNode node, ImportContext context, int index, string role)
        => ConstantMath.Doubles(ScalarConstant(node, context, index, role))[0];
}
