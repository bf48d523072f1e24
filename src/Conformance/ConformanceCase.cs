namespace WasmGraph.Conformance;

/// <summary>One test case directory of the ONNX backend test data: model.onnx plus test_data_set_*/.</summary>
public sealed record ConformanceCase(string Suite, string Name, string Directory)
{
    /// <summary>The suites the runner covers; <c>real/</c> only lists download addresses.</summary>
    public static readonly string[] Suites = ["node", "pytorch-converted", "pytorch-operator", "simple"];

    public string Id => $"{Suite}/{Name}";

    /// <summary>A node/ case that repeats another as a function body expanded into primitive ops.</summary>
    public bool IsExpanded => Name.EndsWith("_expanded", StringComparison.Ordinal);

    /// <summary>A node/ case that runs an op in training mode (out of scope for an inference compiler).</summary>
    public bool IsTraining => Name.Contains("training", StringComparison.Ordinal);

    /// <summary>Every case under <paramref name="root"/> whose id contains <paramref name="filter"/> (case-insensitive), in a stable order.</summary>
    public static IReadOnlyList<ConformanceCase> Discover(string root, string? filter = null)
    {
        var cases = new List<ConformanceCase>();
        foreach (var suite in Suites)
        {
            var dir = Path.Combine(root, suite);
            if (!System.IO.Directory.Exists(dir))
            {
                continue;
            }
            foreach (var caseDir in System.IO.Directory.GetDirectories(dir).Order(StringComparer.Ordinal))
            {
                if (File.Exists(Path.Combine(caseDir, "model.onnx")))
                {
                    var c = new ConformanceCase(suite, Path.GetFileName(caseDir), caseDir);
                    if (filter is null || c.Id.Contains(filter, StringComparison.OrdinalIgnoreCase))
                    {
                        cases.Add(c);
                    }
                }
            }
        }
        return cases;
    }
}

public enum CaseStatus { Passed, Failed, Unsupported }

/// <summary>The outcome of one case. <see cref="Op"/> groups results in the report.</summary>
public sealed record CaseResult(ConformanceCase Case, string Op, CaseStatus Status, string? Reason, double CompileMs);
