using System.Globalization;

namespace WasmGraph.Host.Cli;

/// <summary>Human-readable numbers for tables and summaries.</summary>
public static class Format
{
    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : string.Create(CultureInfo.InvariantCulture, $"{value:0.##} {units[unit]} ({bytes:N0} B)");
    }

    public static string Ms(double milliseconds)
        => milliseconds.ToString(milliseconds < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " ms";

    public static string Number(double value)
        => double.IsFinite(value) && Math.Abs(value) is (>= 1e-3 and < 1e6) or 0.0
            ? value.ToString("0.######", CultureInfo.InvariantCulture)
            : value.ToString("0.####e+0", CultureInfo.InvariantCulture);

    public static string Shape(IEnumerable<long> dims) => "[" + string.Join(",", dims) + "]";

    /// <summary>A bounded tensor's shape, each data-dependent axis as "≤bound": "[≤6,3]".</summary>
    public static string Shape(IEnumerable<long> dims, IReadOnlyCollection<int>? dynamicAxes)
        => dynamicAxes is null or { Count: 0 } ? Shape(dims) : "[" + string.Join(",", dims.Select((d, i) => dynamicAxes.Contains(i) ? $"≤{d}" : $"{d}")) + "]";

    /// <summary>"6 kFLOP", "4.09 GFLOP": scaled so tiny test models and real CNNs both read as numbers, not "0".</summary>
    public static string Flops(double flops)
    {
        string[] units = ["FLOP", "kFLOP", "MFLOP", "GFLOP", "TFLOP"];
        int unit = 0;
        while (Math.Abs(flops) >= 1000 && unit < units.Length - 1)
        {
            flops /= 1000;
            unit++;
        }
        return flops.ToString(unit == 0 ? "0" : "0.##", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
