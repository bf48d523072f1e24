namespace WasmGraph.Abstractions.Plugins;

/// <summary>
/// The ordering a pipeline must keep, from what each pass declares: <see cref="IPass.Requires"/> (present and earlier)
/// and <see cref="IPass.RunsAfter"/> (earlier when present). The host checks it at start-up, before reading a model,
/// so a pipeline that would silently miss a fusion is a configuration error naming both passes.
/// </summary>
public static class PassOrder
{
    /// <summary>
    /// Every violation in <paramref name="pipeline"/> (pass names in run order); <paramref name="find"/> gives the pass
    /// of a name, or null for an unknown name (reported elsewhere, and skipped here).
    /// </summary>
    public static IReadOnlyList<string> Check(IReadOnlyList<string> pipeline, Func<string, IPass?> find)
    {
        var problems = new List<string>();
        var text = string.Join(",", pipeline);
        for (int i = 0; i < pipeline.Count; i++)
        {
            if (find(pipeline[i]) is not { } pass)
            {
                continue;
            }
            foreach (var required in pass.Requires)
            {
                int at = IndexOf(pipeline, required);
                if (at < 0 || at > i)
                {
                    problems.Add($"pass '{pass.Name}' requires '{required}' to run before it, but the pipeline is '{text}'");
                }
            }
            foreach (var earlier in pass.RunsAfter)
            {
                if (LastIndexOf(pipeline, earlier) > i)
                {
                    problems.Add($"pass '{pass.Name}' must run after '{earlier}' when both are in the pipeline, but the pipeline is '{text}'");
                }
            }
        }
        return problems;
    }

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] == value)
            {
                return i;
            }
        }
        return -1;
    }

    private static int LastIndexOf(IReadOnlyList<string> list, string value)
    {
        for (int i = list.Count - 1; i >= 0; i--)
        {
            if (list[i] == value)
            {
                return i;
            }
        }
        return -1;
    }
}
