using System.Collections.Immutable;
using WasmGraph.Abstractions.Ops;

namespace WasmGraph.Abstractions.Ir;

/// <summary>What a node needs to be correct when some of its values follow the run-time extent.</summary>
public enum ExtentNeed
{
    /// <summary>Computed over the whole bound it is still right in the data region (elementwise ops, layout ops, reductions along other axes).</summary>
    None,
    /// <summary>It reduces or contracts along an extent axis, so its kernel must stop there (Softmax over keys, MatMul with K = sequence).</summary>
    Kernel,
}

/// <summary>
/// Finds the values that follow a bounded dynamic input dimension (<see cref="RunTimeExtent"/>) without a rule per
/// op for shapes: the frontend and every pass run twice, once with the dimension at its bound and once at a smaller
/// probe extent, and the two final graphs are compared value by value. An axis whose length is the bound in one and
/// the probe in the other follows the extent; any other difference (a length such as 2·S or S−1, a constant whose
/// value depends on the length, a different graph) is refused with the node and op, and the advice to pin the input.
/// Then each node that touches such a value is checked against the bound-layout rules (docs/ir.md, "Run-time
/// extent"): layout ops must keep the extent axis a whole axis, and reductions along it need an extent-aware kernel.
/// </summary>
public static class RunTimeExtentAnalysis
{
    /// <summary>The probe extent: far enough from the bound that a stride or window over the axis changes its output length too.</summary>
    public static long ProbeFor(long min, long bound)
    {
        long probe = bound / 2 + 1;
        return probe < bound && probe >= min ? probe : min;
    }

    /// <summary>
    /// The graph compiled at the bound annotated with its <see cref="Graph.Extent"/>, from the same model compiled at
    /// <paramref name="probe"/>; <paramref name="pin"/> names the flag a user gives to compile at one length instead.
    /// </summary>
    public static Graph Annotate(Graph atBound, Graph atProbe, long min, long bound, long probe, string file, string pin)
    {
        string Refuse(string what) => $"{what}; the run-time extent {min}..{bound} cannot be compiled through it (pin the length with {pin})";
        if (atBound.Nodes.Length != atProbe.Nodes.Length || !atBound.Inputs.SequenceEqual(atProbe.Inputs) || !atBound.Outputs.SequenceEqual(atProbe.Outputs))
        {
            throw new ModelException(Refuse($"the compiled graph differs with the length ({atBound.Nodes.Length} nodes at {bound}, {atProbe.Nodes.Length} at {probe})"), file);
        }
        var producers = atBound.Producers();
        var consumers = atBound.Consumers();
        string Where(string value)
            => producers.TryGetValue(value, out var node) ? $"'{value}' (output of {node.Describe()})"
               : consumers.TryGetValue(value, out var readers) ? $"'{value}' (read by {readers[0].Describe()})" : $"'{value}'";
        for (int i = 0; i < atBound.Nodes.Length; i++)
        {
            var (a, b) = (atBound.Nodes[i], atProbe.Nodes[i]);
            if (a.Op != b.Op || !a.Inputs.SequenceEqual(b.Inputs) || !a.Outputs.SequenceEqual(b.Outputs))
            {
                throw new ModelException(Refuse($"the compiled graph differs with the length at {a.Describe()} (at {probe}: {b.Describe()})"), file, a.Name, a.Op);
            }
        }

        var axes = ImmutableDictionary.CreateBuilder<string, DynamicDims>(StringComparer.Ordinal);
        foreach (var (name, type) in atBound.Types)
        {
            if (!atProbe.Types.TryGetValue(name, out var other) || other.Shape.Rank != type.Shape.Rank || other.ElementType != type.ElementType)
            {
                throw new ModelException(Refuse($"value {Where(name)} has a different type with the length"), file);
            }
            var dynamic = new List<int>();
            for (int axis = 0; axis < type.Shape.Rank; axis++)
            {
                var (x, y) = (type.Shape[axis], other.Shape[axis]);
                if (x == y)
                {
                    continue;
                }
                if (x != bound || y != probe)
                {
                    throw new ModelException(Refuse($"value {Where(name)} has an axis of length {x} at length {bound} and {y} at {probe}: " +
                                                    "it is computed from the length but is not the length itself (a merged, strided or offset axis)"), file);
                }
                dynamic.Add(axis);
            }
            if (dynamic.Count > 0)
            {
                axes[name] = DynamicDims.Of(dynamic.ToArray());
            }
            if (atBound.Constants.TryGetValue(name, out var data) && !SameInPrefix(data, atProbe.Constants.GetValueOrDefault(name), dynamic))
            {
                throw new ModelException(Refuse($"the value of constant {Where(name)} is computed from the length (a length used as a number, not as a shape)"), file);
            }
        }
        var extent = new RunTimeExtent(min, bound, axes.ToImmutable());
        for (int i = 0; i < atBound.Nodes.Length; i++)
        {
            var node = atBound.Nodes[i];
            if (!SameAttributes(node.Attributes, atProbe.Nodes[i].Attributes) && node.Op is not ("Reshape" or "Expand" or "Slice"))
            {
                throw new ModelException(Refuse($"the attributes of {node.Describe()} depend on the length"), file, node.Name, node.Op);
            }
        }
        return atBound with { Extent = extent };
    }

    private static bool SameAttributes(Attributes a, Attributes b)
        => a.Count == b.Count && a.All.All(kv => b.All.Any(o => o.Key == kv.Key && GraphEquality.SameAttribute(kv.Value, o.Value)));

    /// <summary>
    /// Whether a constant of the probe graph is the bound graph's constant cut to the probe along its extent axes (a
    /// position-id table sliced to the sequence, say): then its data region is right at every length.
    /// </summary>
    private static bool SameInPrefix(TensorData atBound, TensorData? atProbe, List<int> dynamic)
    {
        if (atProbe is null)
        {
            return false;
        }
        if (dynamic.Count == 0)
        {
            return atBound.Bytes.SequenceEqual(atProbe.Bytes);
        }
        int size = atBound.Type.ElementType.SizeOf();
        var boundStrides = atBound.Type.Shape.Strides();
        var probeShape = atProbe.Type.Shape;
        var index = new long[probeShape.Rank];
        var bytes = atProbe.Bytes;
        var reference = atBound.Bytes;
        for (long flat = 0; flat < probeShape.ElementCount; flat++)
        {
            long offset = 0;
            for (int d = 0; d < index.Length; d++)
            {
                offset += index[d] * boundStrides[d];
            }
            if (!bytes.Slice((int)(flat * size), size).SequenceEqual(reference.Slice((int)(offset * size), size)))
            {
                return false;
            }
            for (int d = index.Length - 1; d >= 0 && ++index[d] == probeShape[d]; d--)
            {
                index[d] = 0;
            }
        }
        return true;
    }

    /// <summary>
    /// Whether <paramref name="node"/> is right when computed over the bound layout (<see cref="ExtentNeed.None"/>),
    /// needs an extent-aware kernel (<see cref="ExtentNeed.Kernel"/>, with what it reduces along), or cannot follow
    /// the extent at all (a <see cref="ModelException"/> naming the node, op and axis).
    /// </summary>
    public static (ExtentNeed Need, string? Why) Check(Node node, Graph graph, OpRegistry registry, string pin)
    {
        var extent = graph.Extent;
        if (extent is null || !node.Inputs.Concat(node.Outputs).Any(v => v.Length > 0 && extent.Follows(v)))
        {
            return (ExtentNeed.None, null);
        }
        DynamicDims In(int i) => node.InputOrNull(i) is { Length: > 0 } v ? extent.AxesOf(v) : DynamicDims.None;
        int RankOf(int i) => graph.TypeOf(node.Inputs[i]).Shape.Rank;
        ModelException Refuse(string what)
            => new($"{what} follows the run-time extent {extent.Range}, which this op cannot do; pin the length with {pin}", node: node.Name, op: node.Op);
        bool OnlyBatch() => node.Inputs.Concat(node.Outputs).Where(v => v.Length > 0).All(v => extent.AxesOf(v).Axes.All(a => a == 0));

        switch (node.Op)
        {
            case "Transpose" or "Expand" or "Identity":
                return (ExtentNeed.None, null);
            case "Reshape":
                return KeepsWholeAxis(graph.TypeOf(node.Inputs[0]).Shape, In(0), graph.TypeOf(node.Outputs[0]).Shape, extent.AxesOf(node.Outputs[0]))
                    ? (ExtentNeed.None, null)
                    : throw Refuse("it merges or splits an axis that");
            case "Softmax" or "LogSoftmax":
            {
                int axis = (int)node.Attributes.GetInt("axis");
                return In(0).Contains(axis) ? (ExtentNeed.Kernel, $"{node.Op} along axis {axis}") : (ExtentNeed.None, null);
            }
            case "MatMul" or FusedOps.MatMul:
            {
                bool kOfA = In(0).Contains(RankOf(0) - 1);
                bool kOfB = RankOf(1) >= 2 && In(1).Contains(RankOf(1) - 2);
                return kOfA || kOfB ? (ExtentNeed.Kernel, "MatMul contracting along the run-time axis") : (ExtentNeed.None, null);
            }
            case "Gemm" or FusedOps.Gemm:
                return In(1).IsEmpty && In(2).IsEmpty && In(0).Axes.All(a => a == (node.Attributes.GetInt("transA", 0) != 0 ? 1 : 0))
                    ? (ExtentNeed.None, null)
                    : throw Refuse("its contracted axis");
            case "LayerNormalization":
            {
                int axis = (int)node.Attributes.GetInt("axis");
                return In(0).Axes.All(a => a < axis) ? (ExtentNeed.None, null) : throw Refuse($"normalised axis ≥ {axis}");
            }
            case "Concat":
            {
                int axis = (int)node.Attributes.GetInt("axis");
                return node.Inputs.Select((_, i) => In(i)).All(d => !d.Contains(axis)) ? (ExtentNeed.None, null) : throw Refuse($"concatenated axis {axis}");
            }
            case "Gather":
            {
                int axis = (int)node.Attributes.GetInt("axis");
                if (!In(0).Contains(axis))
                {
                    return (ExtentNeed.None, null);
                }
                // Reading fixed positions of the data region (BERT's pooler takes token 0) is right at every length.
                return graph.ConstantOrNull(node.Inputs[1]) is { } indices && indices.ToInt64Array().All(i => i >= 0 && i < extent.Min)
                    ? (ExtentNeed.None, null)
                    : throw Refuse($"gathered axis {axis}");
            }
            case "Slice":
            {
                var starts = node.Attributes.GetInts("starts");
                var steps = node.Attributes.GetInts("steps");
                var sizes = node.Attributes.GetInts("sizes");
                foreach (var axis in In(0).Axes)
                {
                    bool prefix = starts[axis] == 0 && steps[axis] == 1;
                    bool followsOrFits = extent.AxesOf(node.Outputs[0]).Contains(axis) || sizes[axis] <= extent.Min;
                    if (!prefix || !followsOrFits)
                    {
                        throw Refuse($"sliced axis {axis}");
                    }
                }
                return (ExtentNeed.None, null);
            }
            case var op when op.StartsWith("Reduce", StringComparison.Ordinal):
            {
                var reduced = node.Attributes.GetInts("axes");
                return In(0).Axes.Any(a => reduced.Contains(a)) ? throw Refuse("reduced axis") : (ExtentNeed.None, null);
            }
            case "Conv" or FusedOps.Conv or "MaxPool" or "AveragePool" or "GlobalAveragePool" or "GlobalMaxPool" or "BatchNormalization"
                 or "ConvTranspose" or "LpPool" or "InstanceNormalization" when OnlyBatch():
                return (ExtentNeed.None, null);
        }
        if (registry.Find(node.Op) is { Fusion: FusionKind.Elementwise } || node.Op == FusedOps.Elementwise)
        {
            return (ExtentNeed.None, null);
        }
        var axisValue = node.Inputs.Concat(node.Outputs).First(v => v.Length > 0 && extent.Follows(v));
        throw Refuse($"'{axisValue}' axis {extent.AxesOf(axisValue)}");
    }

    /// <summary>
    /// Whether a Reshape keeps each extent axis a whole axis at the same place of the flat layout: the axes before it
    /// hold as many elements in the input as in the output, and so do the axes after it (so [1,S,384] → [1,S,12,32]
    /// is a view of the bound layout at every length, while [12,S,32] → [12·S,32] is not).
    /// </summary>
    private static bool KeepsWholeAxis(Shape input, DynamicDims inAxes, Shape output, DynamicDims outAxes)
    {
        var inList = inAxes.Axes.ToList();
        var outList = outAxes.Axes.ToList();
        if (inList.Count != outList.Count)
        {
            return false;
        }
        for (int i = 0; i < inList.Count; i++)
        {
            long before(Shape s, int axis) => s.Dims.Take(axis).Aggregate(1L, (x, y) => x * y);
            long after(Shape s, int axis) => s.Dims.Skip(axis + 1).Aggregate(1L, (x, y) => x * y);
            if (before(input, inList[i]) != before(output, outList[i]) || after(input, inList[i]) != after(output, outList[i]))
            {
                return false;
            }
        }
        return true;
    }
}
