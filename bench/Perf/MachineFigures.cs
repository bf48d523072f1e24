using System.Globalization;

namespace WasmGraph.Bench;

/// <summary>
/// How the bench's focused comparisons (threads, convolution algorithms, lengths) print what a noisy shared machine
/// makes of them: the load average beside each measurement, and a figure's range over rounds.
/// </summary>
internal static class MachineFigures
{
    /// <summary>The 1, 5 and 15-minute load averages from /proc/loadavg; "unknown" where there is none.</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    /// <summary>The median of <paramref name="values"/> (the upper one of an even count, as the bench's other medians).</summary>
    public static double MedianOf(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>"min–max" of <paramref name="values"/> in <paramref name="format"/>; "n/a" when there are none.</summary>
    public static string Range(IEnumerable<double> values, string format = "F1")
    {
        var list = values.ToList();
        return list.Count == 0
            ? "n/a"
            : list.Min().ToString(format, CultureInfo.InvariantCulture) + "–" + list.Max().ToString(format, CultureInfo.InvariantCulture);
    }
}
