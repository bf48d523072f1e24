using WasmGraph.Apps.Quantize;
using WasmGraph.Apps.Quantize.Calibration;

namespace WasmGraph.Host.Tests;

/// <summary>The three calibration methods on distributions whose right answer is known, and the scale/zero-point arithmetic.</summary>
public sealed class CalibrationMethodTests
{
    private static TensorStatistics Collect(float[] values)
    {
        var stats = new TensorStatistics();
        stats.AddRange(values);
        stats.AddHistogram(values);
        return stats;
    }

    /// <summary>N(0, 1) samples (Box–Muller, seeded) plus a few far outliers at ±60.</summary>
    private static float[] GaussianWithOutliers(int n = 200_000, int outliers = 20)
    {
        var random = new Random(7);
        var values = new float[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }
        for (int i = 0; i < outliers; i++)
        {
            values[i] = i % 2 == 0 ? 60 : -60;
        }
        return values;
    }

    [Fact]
    public void MinMaxIsTheObservedRange()
    {
        var stats = Collect([-1.5f, 0.25f, 3f, 2f]);
        Assert.Equal((-1.5, 3.0), CalibrationMethod.Range(stats, CalibrationMethodKind.MinMax, 99.99, ActivationType.U8));
    }

    [Fact]
    public void PercentileClipsTheRareOutliersAndKeepsTheBulk()
    {
        var stats = Collect(GaussianWithOutliers());
        var (min, max) = CalibrationMethod.Range(stats, CalibrationMethodKind.Percentile, 99.9, ActivationType.U8);
        // The 0.05 % tails of N(0,1) are at ±3.29; one histogram bin over [−60, 60] is 0.06 wide.
        Assert.InRange(max, 3.0, 3.6);
        Assert.InRange(min, -3.6, -3.0);
    }

    [Fact]
    public void EntropyChoosesAThresholdBetweenTheBulkAndTheOutliers()
    {
        var stats = Collect(GaussianWithOutliers());
        var (min, max) = CalibrationMethod.Range(stats, CalibrationMethodKind.Entropy, 99.99, ActivationType.S8);
        Assert.InRange(max, 2.5, 30);
        Assert.Equal(-max, min, 6);
    }

    [Fact]
    public void EntropyOnAUniformDistributionKeepsNearlyAllOfIt()
    {
        var random = new Random(3);
        var stats = Collect(Enumerable.Range(0, 100_000).Select(_ => random.NextSingle() * 4f).ToArray());
        var (min, max) = CalibrationMethod.Range(stats, CalibrationMethodKind.Entropy, 99.99, ActivationType.U8);
        Assert.InRange(min, 0, 1e-3); // the smallest value seen: nothing below 0 to clip
        Assert.InRange(max, 3.6, 4.0);
    }

    [Theory]
    [InlineData(-1.0, 3.0, ActivationType.U8, 4.0 / 255, 64)]
    [InlineData(0.0, 6.0, ActivationType.U8, 6.0 / 255, 0)]
    [InlineData(0.0, 6.0, ActivationType.S8, 6.0 / 255, -128)]
    [InlineData(0.5, 2.0, ActivationType.U8, 2.0 / 255, 0)] // widened to include 0
    public void ActivationScaleAndZeroPointMapZeroExactly(double min, double max, ActivationType type, double scale, int zeroPoint)
    {
        var p = QuantMath.Activation(min, max, type);
        Assert.Equal(scale, p.Scale, 6);
        Assert.Equal(zeroPoint, p.ZeroPoint);
        Assert.Equal(p.ZeroPoint, QuantMath.QuantizeActivation(0f, p, type));
    }

    [Fact]
    public void WeightsAreSymmetricPerChannelWithTheLargestMagnitudeAt127()
    {
        // [2 channels, 3] along axis 0: channel 0 spans ±1, channel 1 ±0.01 (0.004 is 50.8 steps of 0.01/127; −0.5 is −63.5, a tie, to even −64).
        var (q, scales) = QdqWriter.QuantizeWeight(new Abstractions.Ir.Shape(2, 3), [1f, -0.5f, 0.25f, 0.01f, -0.01f, 0.004f], axis: 0);
        Assert.Equal([1f / 127, 0.01f / 127], scales);
        Assert.Equal(new sbyte[] { 127, -64, 32, 127, -127, 51 }, q);
        var (_, perTensor) = QdqWriter.QuantizeWeight(new Abstractions.Ir.Shape(2, 3), [1f, -0.5f, 0.25f, 0.01f, -0.01f, 0.005f], axis: -1);
        Assert.Single(perTensor);
    }
}
