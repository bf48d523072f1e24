using System.Globalization;

namespace WasmGraph.Abstractions;

/// <summary>
/// A byte count as people read it in a message or a report: "3.99 GiB (4,284,481,536 B)", the exact count kept beside
/// the rounded one because limits are exact. One place, so the CLI's reports and a backend's refusals agree.
/// </summary>
public static class ByteCount
{
    public static string Describe(long bytes)
    {
        if (bytes == long.MaxValue)
        {
            return "more than 2^63 bytes"; // what an overflow-checked sum saturates to
        }
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : string.Create(CultureInfo.InvariantCulture, $"{value:0.##} {units[unit]} ({bytes:N0} B)");
    }
}
