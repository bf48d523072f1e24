using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Host.Cli;

/// <summary>Summary numbers for printing a tensor, and the comparisons <c>run</c> makes.</summary>
public sealed record TensorStats(double Min, double Max, double Mean)
{
    public static TensorStats Of(TensorData tensor)
    {
        if (tensor.Type.ElementCount == 0)
        {
            return new TensorStats(double.NaN, double.NaN, double.NaN);
        }
        // float32, the usual output, is read in place: a copy as doubles would take twice the output's size again
        // (4 GiB more for the 2 GiB output a module may declare).
        return tensor.Type.ElementType == DataType.Float32 ? Over(tensor.AsSpan<float>()) : Over<double>(tensor.ToDoubleArray());
    }

    private static TensorStats Over<T>(ReadOnlySpan<T> values) where T : System.Numerics.INumberBase<T>
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0;
        foreach (var value in values)
        {
            double v = double.CreateChecked(value);
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            sum += v;
        }
        return new TensorStats(min, max, sum / values.Length);
    }

    /// <summary>Max |a - b| and max |b| (the reference's magnitude, to judge the difference against).</summary>
    public static (double MaxAbsDiff, double MaxAbsRef) Compare(TensorData actual, TensorData reference)
    {
        var a = actual.ToFloatArray();
        var b = reference.ToFloatArray();
        double diff = 0, magnitude = 0;
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            double d = Math.Abs((double)a[i] - b[i]);
            diff = double.IsNaN(d) ? double.NaN : Math.Max(diff, d);
            magnitude = Math.Max(magnitude, Math.Abs((double)b[i]));
        }
        return (diff, magnitude);
    }

    /// <summary>The <paramref name="k"/> largest entries, with softmax probabilities for readability of raw logits.</summary>
    public static IReadOnlyList<(int Index, float Score, double Probability)> TopK(float[] scores, int k)
    {
        double max = scores.Length == 0 ? 0 : scores.Max();
        double total = scores.Sum(s => Math.Exp(s - max));
        return scores.Select((s, i) => (Index: i, Score: s, Probability: Math.Exp(s - max) / total))
                     .OrderByDescending(e => e.Score)
                     .Take(k)
                     .ToList();
    }

    /// <summary>A file-system-safe file name for an output (names like "Pooling395_Output_0" or "output:0/logits").</summary>
    public static string SafeFileName(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray();
        var safe = new string(chars).Trim('.');
        return safe.Length == 0 ? "output" : safe;
    }
}
