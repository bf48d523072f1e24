using System.Globalization;

namespace WasmGraph.Runtimes.Wasmtime;

/// <summary>Formats a run time limit the way a user wrote it on the command line.</summary>
internal static class TimeLimit
{
    public static string Format(TimeSpan limit) => limit < TimeSpan.FromSeconds(1)
        ? string.Create(CultureInfo.InvariantCulture, $"{limit.TotalMilliseconds:0.###} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{limit.TotalSeconds:0.###} s");
}
