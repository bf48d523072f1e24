using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using Xunit.Abstractions;

namespace WasmGraph.Models.Tests;

/// <summary>Output-by-output comparison with ONNX Runtime that also logs each max |diff| for the model report.</summary>
public static class Parity
{
    /// <summary>
    /// Asserts every reference output is within <paramref name="relativeToMax"/> × max|reference| and logs the actual
    /// difference, so the test log doubles as the parity table.
    /// </summary>
    public static void AssertClose(IReadOnlyDictionary<string, TensorData> expected, IReadOnlyDictionary<string, TensorData> actual,
                                   double relativeToMax, string what, ITestOutputHelper log)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, reference) in expected)
        {
            var e = reference.ToFloatArray();
            var a = actual[name].ToFloatArray();
            double max = e.Max(v => Math.Abs((double)v));
            double diff = e.Zip(a, (x, y) => Math.Abs((double)x - y)).Max();
            log.WriteLine($"{what} {name}: max|diff| {diff:G3}, max|ref| {max:G5}, relative {diff / max:G3} (tolerance {relativeToMax:G3})");
            TensorAssert.Close(reference, actual[name], relativeToMax, $"{what}, output {name}");
        }
    }

    /// <summary>
    /// Asserts every reference output is within <paramref name="absolute"/> of ONNX Runtime, element by element, and logs
    /// the actual difference: for outputs with a fixed range (probabilities in [0, 1]) whose maximum may be tiny, where a
    /// bound relative to max|reference| would ask for more digits than float32 has.
    /// </summary>
    public static void AssertWithin(IReadOnlyDictionary<string, TensorData> expected, IReadOnlyDictionary<string, TensorData> actual,
                                    double absolute, string what, ITestOutputHelper log)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, reference) in expected)
        {
            var e = reference.ToFloatArray();
            var a = actual[name].ToFloatArray();
            Assert.Equal(reference.Type.ElementType, actual[name].Type.ElementType);
            Assert.Equal(reference.Type.Shape, actual[name].Type.Shape);
            double diff = e.Zip(a, (x, y) => Math.Abs((double)x - y)).Max();
            log.WriteLine($"{what} {name}: max|diff| {diff:G3}, max|ref| {e.Max(v => Math.Abs((double)v)):G5} (tolerance {absolute:G3} absolute)");
            Assert.True(diff <= absolute, $"{what}, output {name}: max|diff| {diff:G6} exceeds {absolute:G3}");
        }
    }

    /// <summary>Indices of the <paramref name="k"/> largest values, largest first (ties by lower index).</summary>
    public static int[] TopK(TensorData scores, int k)
        => scores.ToFloatArray().Select((v, i) => (v, i)).OrderByDescending(p => p.v).ThenBy(p => p.i).Take(k).Select(p => p.i).ToArray();
}
