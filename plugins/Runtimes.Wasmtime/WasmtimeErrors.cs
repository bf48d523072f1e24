using System.Text.RegularExpressions;
using Wasmtime;

namespace WasmGraph.Runtimes.Wasmtime;

/// <summary>
/// Turns Wasmtime's multi-line error reports (an anyhow chain with "Caused by:" and a wasm backtrace) into one line
/// for a <see cref="Abstractions.WasmGraphException"/>. The backtrace of a generated model names no user code, so it
/// is dropped; the full text stays available as the inner exception.
/// </summary>
internal static partial class WasmtimeErrors
{
    public static string Summarize(WasmtimeException error) => Summarize(error.Message);

    public static string Summarize(string message)
    {
        var parts = new List<string>();
        bool inBacktrace = false;
        foreach (var rawLine in message.Split('\n'))
        {
            string line = rawLine.Trim();
            if (line.Length == 0)
            {
                inBacktrace = false;
                continue;
            }
            if (line.EndsWith("wasm backtrace:", StringComparison.Ordinal))
            {
                inBacktrace = true;
                continue;
            }
            if (inBacktrace || line == "Caused by:" || line.StartsWith("note:", StringComparison.Ordinal))
            {
                continue;
            }
            parts.Add(ChainIndex().Replace(line, ""));
        }
        return parts.Count == 0 ? message.Trim() : string.Join(": ", parts);
    }

    /// <summary>The "0: " numbering anyhow puts in front of each cause when there are several.</summary>
    [GeneratedRegex(@"^\d+:\s+")]
    private static partial Regex ChainIndex();
}
