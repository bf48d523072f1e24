namespace WasmGraph.Apps.Quantize.Calibration;

/// <summary>
/// What calibration learns about one tensor over all samples: its minimum and maximum (MinMax), and, on a second
/// pass once those are known, a histogram of its values over [min, max] and one of its magnitudes over [0, max |x|]
/// (<see cref="HistogramBins"/> bins each), from which the percentile and entropy methods choose a narrower range.
/// </summary>
public sealed class TensorStatistics
{
    /// <summary>ONNX Runtime's histogram calibrators use 2048 bins too; the entropy search needs far more bins than the 128/256 levels.</summary>
    public const int HistogramBins = 2048;

    public double Min { get; private set; } = double.PositiveInfinity;

    public double Max { get; private set; } = double.NegativeInfinity;

    public long Count { get; private set; }

    public double[]? Values { get; private set; }

    public double[]? Magnitudes { get; private set; }

    public double AbsMax => Math.Max(Math.Abs(Min), Math.Abs(Max));

    public void AddRange(ReadOnlySpan<float> values)
    {
        foreach (var v in values)
        {
            if (float.IsFinite(v))
            {
                Min = Math.Min(Min, v);
                Max = Math.Max(Max, v);
            }
        }
        Count += values.Length;
    }

    public void AddHistogram(ReadOnlySpan<float> values)
    {
        Values ??= new double[HistogramBins];
        Magnitudes ??= new double[HistogramBins];
        double width = Max - Min, absMax = AbsMax;
        foreach (var v in values)
        {
            if (!float.IsFinite(v))
            {
                continue;
            }
            Values[Bin(width > 0 ? (v - Min) / width : 0)]++;
            Magnitudes[Bin(absMax > 0 ? Math.Abs(v) / absMax : 0)]++;
        }
    }

    private static int Bin(double fraction) => Math.Clamp((int)(fraction * HistogramBins), 0, HistogramBins - 1);
}
