using WasmGraph.Abstractions.Ir;
using Xunit.Sdk;

namespace WasmGraph.TestSupport;

/// <summary>
/// Tensor comparisons with failure messages that say where and by how much two tensors differ, so a failing
/// numerical test points at the first thing to look at.
/// </summary>
public static class TensorAssert
{
    /// <summary>
    /// Same element type and shape, and max|expected - actual| ≤ <paramref name="relativeToMax"/> × max|expected|.
    /// Scaling by the largest expected magnitude keeps the tolerance meaningful for both tiny and large outputs.
    /// </summary>
    public static void Close(TensorData expected, TensorData actual, double relativeToMax, string because)
    {
        SameType(expected, actual, because);
        var e = expected.ToFloatArray();
        var a = actual.ToFloatArray();
        double scale = e.Length == 0 ? 0 : e.Max(v => Math.Abs((double)v));
        double tolerance = relativeToMax * scale;
        int worst = -1;
        double worstError = 0;
        for (int i = 0; i < e.Length; i++)
        {
            double error = Math.Abs((double)e[i] - a[i]);
            bool bothNaN = float.IsNaN(e[i]) && float.IsNaN(a[i]);
            if (!bothNaN && (double.IsNaN(error) || error > worstError))
            {
                worstError = double.IsNaN(error) ? double.PositiveInfinity : error;
                worst = i;
            }
        }
        if (worst >= 0 && worstError > tolerance)
        {
            throw new XunitException(
                $"{because}: tensors differ by {worstError:G6} at {Index(expected.Type.Shape, worst)} " +
                $"(expected {e[worst]:G9}, actual {a[worst]:G9}); tolerance {tolerance:G6} = {relativeToMax:G3} × max|expected| {scale:G6}");
        }
    }

    /// <summary>Bit-exact equality, for integer and bool tensors.</summary>
    public static void Exact(TensorData expected, TensorData actual, string because)
    {
        SameType(expected, actual, because);
        var e = expected.Bytes;
        var a = actual.Bytes;
        int size = expected.Type.ElementType.SizeOf();
        for (int i = 0; i < e.Length; i++)
        {
            if (e[i] != a[i])
            {
                int element = i / size;
                var ev = expected.ToInt64Array();
                var av = actual.ToInt64Array();
                throw new XunitException(
                    $"{because}: tensors differ at {Index(expected.Type.Shape, element)} (expected {ev[element]}, actual {av[element]})");
            }
        }
    }

    private static void SameType(TensorData expected, TensorData actual, string because)
    {
        if (expected.Type != actual.Type)
        {
            throw new XunitException($"{because}: expected a tensor of type {expected.Type}, got {actual.Type}");
        }
    }

    private static string Index(Shape shape, int flat)
    {
        var index = new long[shape.Rank];
        var strides = shape.Strides();
        long rest = flat;
        for (int d = 0; d < shape.Rank; d++)
        {
            index[d] = rest / strides[d];
            rest %= strides[d];
        }
        return "[" + string.Join(",", index) + "]";
    }
}
