using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Host.IO;

/// <summary>
/// The activation memory a graph needs at least: the largest total size of the values alive at the same time, walking
/// the nodes in order. Inputs and outputs stay alive for the whole run and every other value from the node that
/// defines it to its last reader, as in the backend's memory plan. <c>inspect model.onnx</c> shows it as the arena a
/// module would need before fusion; the planned arena of a compiled module can only be larger (alignment, scratch).
/// </summary>
public static class ActivationMemory
{
    public static long PeakLiveBytes(Graph graph)
    {
        var lastUse = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < graph.Nodes.Length; i++)
        {
            foreach (var input in graph.Nodes[i].Inputs.Where(v => v.Length > 0 && !graph.IsConstant(v)))
            {
                lastUse[input] = i;
            }
        }
        var pinned = new HashSet<string>(graph.Inputs.Concat(graph.Outputs), StringComparer.Ordinal);
        long live = pinned.Where(v => !graph.IsConstant(v)).Sum(v => graph.TypeOf(v).ByteSize);
        long peak = live;
        var dying = new List<string>();
        for (int i = 0; i < graph.Nodes.Length; i++)
        {
            foreach (var output in graph.Nodes[i].Outputs.Where(o => o.Length > 0 && !pinned.Contains(o)))
            {
                live += graph.TypeOf(output).ByteSize;
                dying.Add(output);
            }
            peak = Math.Max(peak, live);
            // A value read last by node i (or never read) is free once node i has run.
            foreach (var value in dying.Where(v => lastUse.GetValueOrDefault(v, i) <= i).ToList())
            {
                live -= graph.TypeOf(value).ByteSize;
                dying.Remove(value);
            }
        }
        return peak;
    }
}
