using WasmGraph.Abstractions.Ir;
using WasmGraph.Host.Cli;

namespace WasmGraph.Apps.Demo;

/// <summary>One comparison of numbers the demo shows against the same numbers computed from ONNX Runtime's outputs.</summary>
public sealed record ParityCheck(string Section, string What, double MaxAbsDiff, double MaxAbsRef, int Count)
{
    /// <summary>max |wasm − ORT| ≤ 1e-3 · max |ORT| (an all-zero reference must match exactly); NaN never passes.</summary>
    public bool Ok => double.IsFinite(MaxAbsDiff) && MaxAbsDiff <= DemoCommand.Tolerance * MaxAbsRef;
}

/// <summary>
/// Every number the demo prints is computed twice, from the module's outputs and from ONNX Runtime's outputs on the same
/// inputs, and the two are compared here. The demo exits 0 only when every check passes, which is what CI relies on.
/// </summary>
public sealed class DemoParity
{
    private readonly List<ParityCheck> _checks = new();

    public IReadOnlyList<ParityCheck> Checks => _checks;

    public bool AllOk => _checks.Count > 0 && _checks.All(c => c.Ok);

    public ParityCheck Check(string section, string what, TensorData actual, TensorData expected)
    {
        if (actual.Type.ElementCount != expected.Type.ElementCount)
        {
            return Add(new ParityCheck(section, $"{what} (shape {Format.Shape(actual.Type.Shape.Dims)} vs {Format.Shape(expected.Type.Shape.Dims)})",
                                       double.NaN, 0, (int)actual.Type.ElementCount));
        }
        var (diff, magnitude) = TensorStats.Compare(actual, expected);
        return Add(new ParityCheck(section, what, diff, magnitude, (int)actual.Type.ElementCount));
    }

    /// <summary>Compares derived numbers (similarities, box corners, scores); a length mismatch fails the check.</summary>
    public ParityCheck Check(string section, string what, IReadOnlyList<double> actual, IReadOnlyList<double> expected)
    {
        if (actual.Count != expected.Count)
        {
            return Add(new ParityCheck(section, $"{what} ({actual.Count} values vs {expected.Count})", double.NaN, 0, actual.Count));
        }
        double diff = 0, magnitude = 0;
        for (int i = 0; i < actual.Count; i++)
        {
            double d = Math.Abs(actual[i] - expected[i]);
            diff = double.IsNaN(d) ? double.NaN : Math.Max(diff, d);
            magnitude = Math.Max(magnitude, Math.Abs(expected[i]));
        }
        return Add(new ParityCheck(section, what, diff, magnitude, actual.Count));
    }

    private ParityCheck Add(ParityCheck check)
    {
        _checks.Add(check);
        return check;
    }
}
