namespace WasmGraph.Apps.Quantize.Calibration;

public enum CalibrationMethodKind
{
    MinMax,
    Percentile,
    Entropy,
}

/// <summary>
/// Chooses the range an activation is quantized over from its <see cref="TensorStatistics"/>:
/// <list type="bullet">
/// <item><b>minmax</b>: the whole observed range; no value is clipped, but one outlier stretches the step for all.</item>
/// <item><b>percentile</b>: the (100 − p)th and pth percentiles of the values, clipping the rarest outliers.</item>
/// <item><b>entropy</b>: the clipping threshold on |x| whose quantized distribution loses the least information
/// (smallest Kullback–Leibler divergence from the observed one), the method TensorRT introduced for int8 and ONNX
/// Runtime's entropy calibrator uses.</item>
/// </list>
/// The range is then widened to include 0 by <see cref="QuantMath.Activation"/>.
/// </summary>
public static class CalibrationMethod
{
    public static bool NeedsHistogram(CalibrationMethodKind kind) => kind != CalibrationMethodKind.MinMax;

    public static (double Min, double Max) Range(TensorStatistics stats, CalibrationMethodKind kind, double percentile, ActivationType type)
    {
        if (stats.Count == 0 || stats.Min > stats.Max)
        {
            return (0, 0); // never finite: quantized as all zeros
        }
        return kind switch
        {
            CalibrationMethodKind.MinMax => (stats.Min, stats.Max),
            CalibrationMethodKind.Percentile => Percentile(stats, percentile),
            CalibrationMethodKind.Entropy => Entropy(stats, type),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    private static (double, double) Percentile(TensorStatistics stats, double percentile)
    {
        var hist = stats.Values ?? throw new InvalidOperationException("percentile calibration needs the histogram pass");
        double total = hist.Sum(), width = (stats.Max - stats.Min) / hist.Length;
        double tail = total * (100 - percentile) / 100;
        int lo = 0, hi = hist.Length - 1;
        for (double below = hist[0]; lo < hist.Length - 1 && below <= tail; below += hist[++lo]) { }
        for (double above = hist[^1]; hi > 0 && above <= tail; above += hist[--hi]) { }
        double min = stats.Min + lo * width, max = stats.Min + (hi + 1) * width;
        return (Math.Max(stats.Min, Math.Min(min, max)), Math.Min(stats.Max, Math.Max(min, max)));
    }

    /// <summary>
    /// The KL search over clipping thresholds on the magnitude histogram. For each candidate i (in bins), the reference
    /// P is the first i bins with everything beyond folded into the last; Q merges the same i bins, without the folded
    /// outliers, into as many groups as the quantized type has levels on that side and spreads each group's count evenly
    /// over its non-empty bins. So a narrow threshold pays for the outliers it clips (P's last bin, which Q lacks) and a
    /// wide one for the resolution it loses (Q's flattened groups).
    /// </summary>
    private static (double, double) Entropy(TensorStatistics stats, ActivationType type)
    {
        var hist = stats.Magnitudes ?? throw new InvalidOperationException("entropy calibration needs the histogram pass");
        int levels = stats.Min >= 0 && type == ActivationType.U8 ? 255 : 127;
        int bins = hist.Length;
        double bestKl = double.PositiveInfinity;
        int best = bins;
        double beyond = 0;
        var p = new double[bins];
        var q = new double[bins];
        for (int i = bins; i >= levels; i--)
        {
            // beyond = sum of hist[i..]; walk downward so it accumulates.
            if (i < bins)
            {
                beyond += hist[i];
            }
            Array.Copy(hist, p, i);
            p[i - 1] += beyond;
            for (int g = 0; g < levels; g++)
            {
                int start = (int)((long)g * i / levels), end = (int)((long)(g + 1) * i / levels);
                double sum = 0;
                int nonEmpty = 0;
                for (int k = start; k < end; k++)
                {
                    sum += hist[k];
                    nonEmpty += hist[k] != 0 ? 1 : 0;
                }
                for (int k = start; k < end; k++)
                {
                    q[k] = hist[k] != 0 ? sum / nonEmpty : 0;
                }
            }
            double kl = Divergence(p, q, i);
            if (kl < bestKl)
            {
                bestKl = kl;
                best = i;
            }
        }
        double threshold = best * stats.AbsMax / bins;
        return (Math.Max(stats.Min, -threshold), Math.Min(stats.Max, threshold));
    }

    private static double Divergence(double[] p, double[] q, int n)
    {
        double pSum = 0, qSum = 0;
        for (int k = 0; k < n; k++)
        {
            pSum += p[k];
            qSum += q[k];
        }
        if (pSum == 0 || qSum == 0)
        {
            return double.PositiveInfinity;
        }
        double kl = 0;
        for (int k = 0; k < n; k++)
        {
            if (p[k] == 0)
            {
                continue;
            }
            double pk = p[k] / pSum, qk = q[k] / qSum;
            kl += qk > 0 ? pk * Math.Log(pk / qk) : pk * Math.Log(pk / 1e-12); // a bin Q cannot represent costs heavily
        }
        return kl;
    }
}
