using System.Text.RegularExpressions;
using Wasmtime;
using WasmGraph.Abstractions;

namespace WasmGraph.Runtimes.Wasmtime;

/// <summary>
/// Turns Wasmtime's multi-line error reports (an anyhow chain with "Caused by:" and a wasm backtrace) into one line
/// for a <see cref="Abstractions.WasmGraphException"/>. The backtrace of a generated model names no user code, so it
/// is dropped; the full text stays available as the inner exception.
/// </summary>
internal static partial class WasmtimeErrors
{
    /// <summary>
    /// The exception for a call into the module that failed with <paramref name="error"/>: cancellation (the caller's,
    /// through <see cref="TimeLimit"/>) stays an <see cref="OperationCanceledException"/>, so the host reports an
    /// interrupt and not a broken module; the time limit and every trap become a <see cref="WasmGraphException"/>
    /// naming <paramref name="what"/>. <paramref name="note"/> is appended to trap messages.
    /// </summary>
    public static Exception ForCall(WasmtimeException error, string what, string note = "") => StoppedBy(error) switch
    {
        OperationCanceledException cancelled => new OperationCanceledException($"{what} was interrupted", error, cancelled.CancellationToken),
        TimeLimitExceededException limit => new WasmGraphException($"{what} {limit.Message}", error),
        _ => new WasmGraphException($"{what} failed: {Summarize(error)}{note}", error),
    };

    /// <summary>
    /// What a trap in a CheckParameter kernel means, for both the single-threaded and the threaded session: its failure
    /// function, <c>wg_check_failed:NODE/OP.INPUT</c>, is in the trap's backtrace, and the trap means a shape-deciding
    /// input's run-time value is not one the module was compiled for (docs/conformance.md, "Shape-deciding inputs at
    /// run time"). Empty for any other trap.
    /// </summary>
    public static string ParameterCheckNote(string trapMessage)
    {
        var match = ParameterCheck().Match(trapMessage);
        return match.Success
            ? $"; node '{match.Groups[1].Value}', op {match.Groups[2].Value}: the run-time value of input '{match.Groups[3].Value}' " +
              "contradicts the output shapes the module was compiled for (compile with --bind to use another value)"
            : "";
    }

    [GeneratedRegex(@"wg_check_failed:(.+)/([^/.]+)\.(.+?)\s*$", RegexOptions.Multiline)]
    private static partial Regex ParameterCheck();

    /// <summary>Whether <see cref="TimeLimit"/> stopped the call (rather than the module trapping by itself).</summary>
    public static bool WasStopped(WasmtimeException error) => StoppedBy(error) is not null;

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

    /// <summary>The exception <see cref="TimeLimit"/> threw from its epoch callback; Wasmtime keeps it as an inner exception.</summary>
    private static Exception? StoppedBy(Exception error)
    {
        for (var inner = error.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is OperationCanceledException or TimeLimitExceededException)
            {
                return inner;
            }
        }
        return null;
    }

    /// <summary>The "0: " numbering anyhow puts in front of each cause when there are several.</summary>
    [GeneratedRegex(@"^\d+:\s+")]
    private static partial Regex ChainIndex();
}
