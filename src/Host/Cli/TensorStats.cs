using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Host.Cli;

/// <summary>Summary numbers for printing a tensor, and the comparisons <c>run</c> makes.</summary>
public sealed partial record TensorStats(double Min, double Max, double Mean)
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

    /// <summary>Longest file name stem for an output: with ".2.npy" it stays far below the 255 bytes file systems allow.</summary>
    public const int MaxFileStemChars = 200;

    /// <summary>
    /// A file-system-safe file name stem for an output (names like "Pooling395_Output_0" or "output:0/logits"): only
    /// ASCII letters, digits, '-', '_' and '.', no leading or trailing dots (so never ".", ".." or a hidden file), no
    /// leading '-' (an option to the next shell command), not a Windows device name (the folder may be copied there),
    /// and at most <see cref="MaxFileStemChars"/> characters (a longer name keeps its start and a hash of the whole).
    /// Different names can give the same stem; <see cref="FileNames"/> makes them unique.
    /// </summary>
    public static string SafeFileName(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray();
        var safe = new string(chars).Trim('.');
        if (safe.Length == 0)
        {
            return "output";
        }
        if (safe[0] == '-' || WindowsDeviceName().IsMatch(safe))
        {
            safe = "_" + safe;
        }
        if (safe.Length > MaxFileStemChars)
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..8];
            safe = safe[..(MaxFileStemChars - 9)] + "~" + hash;
        }
        return safe;
    }

    /// <summary>
    /// One distinct file name per output, in the given order, with <paramref name="extension"/>: the safe stem, and when
    /// an earlier output already took it (compared ignoring case, so the folder survives a copy to macOS or Windows),
    /// the stem with ".2", ".3", …. Deterministic: the same outputs in the same order always get the same names, so
    /// "a:b" and "a/b" become a_b.npy and a_b.2.npy instead of the second silently overwriting the first.
    /// </summary>
    public static IReadOnlyList<(string Output, string FileName)> FileNames(IEnumerable<string> outputs, string extension)
    {
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var names = new List<(string, string)>();
        foreach (var output in outputs)
        {
            var stem = SafeFileName(output);
            var file = stem + extension;
            for (int n = 2; !taken.Add(file); n++)
            {
                file = $"{stem}.{n}{extension}";
            }
            names.Add((output, file));
        }
        return names;
    }

    [GeneratedRegex(@"^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?$", RegexOptions.IgnoreCase)]
    private static partial Regex WindowsDeviceName();
}
