using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Onnx.Proto;

namespace WasmGraph.Frontends.Onnx.Import;

/// <summary>
/// Applies <see cref="ImportLimits"/> to what a model declares (subgraphs included): node count, every initializer's and Constant's dims,
/// the total weight bytes, attribute sizes, and (through <see cref="ImportContext"/>) every inferred type. All checks
/// read declarations only, so they run before the tensors they guard are materialised, and element counts are
/// multiplied without overflow.
/// </summary>
internal sealed class LimitChecker
{
    private readonly ImportLimits _limits;
    private readonly string _file;

    public LimitChecker(ImportLimits limits, string file)
    {
        _limits = limits;
        _file = file;
    }

    private long _trialsSpent;

    /// <summary>
    /// Charges <paramref name="trials"/> trial imports of a run-time parameter to the model's budget
    /// (<see cref="ImportLimits.MaxRunTimeParameterTrials"/>); false, charging nothing, when they do not fit.
    /// </summary>
    public bool TryChargeTrials(long trials)
    {
        if (_trialsSpent + trials > _limits.MaxRunTimeParameterTrials)
        {
            return false;
        }
        _trialsSpent += trials;
        return true;
    }

    public long MaxRunTimeParameterTrials => _limits.MaxRunTimeParameterTrials;

    /// <summary>Checks the whole graph's declarations, subgraphs included; called before any initializer is read.</summary>
    public void CheckGraph(GraphProto graph)
    {
        long nodes = 0, weightBytes = 0;
        Measure(graph, ref nodes, ref weightBytes);
        if (nodes > _limits.MaxNodes)
        {
            throw new ModelException($"the graph has {nodes} nodes, more than the limit of {_limits.MaxNodes}", file: _file);
        }
        long budget = _limits.EffectiveWeightBudget();
        if (weightBytes > budget)
        {
            throw new ModelException(
                $"the model declares {weightBytes} bytes of weights, more than the {budget} bytes this process may use", file: _file);
        }
    }

    /// <summary>Most ONNX nodes a Loop or Scan may be unrolled into (iterations × body nodes).</summary>
    public long MaxUnrolledNodes => _limits.MaxUnrolledNodes;

    /// <summary>Counts the nodes and checks the initializers and attributes of a graph and of the subgraphs in its attributes.</summary>
    private void Measure(GraphProto graph, ref long nodes, ref long weightBytes)
    {
        nodes += graph.Node.Count;
        foreach (var tensor in graph.Initializer)
        {
            weightBytes = AddBytes(weightBytes, CheckTensor(tensor, $"initializer '{tensor.Name}'"));
        }
        for (int i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            string name = OnnxNode.DisplayName(node, i);
            foreach (var attribute in node.Attribute)
            {
                weightBytes = AddBytes(weightBytes, CheckAttribute(attribute, name, node.OpType));
                if (attribute.G is { } body)
                {
                    Measure(body, ref nodes, ref weightBytes);
                }
                foreach (var subgraph in attribute.Graphs)
                {
                    Measure(subgraph, ref nodes, ref weightBytes);
                }
            }
        }
    }

    /// <summary>Refuses a type whose rank, dims or element count exceed the limits.</summary>
    public void CheckType(TensorType type, string what, string? node = null, string? op = null)
        => CheckDims(type.Shape.Dims.AsSpan(), what, node, op);

    /// <summary>Checks a declared shape; returns its element count (exact, since it is within the limit).</summary>
    public long CheckDims(ReadOnlySpan<long> dims, string what, string? node = null, string? op = null)
    {
        if (dims.Length > _limits.MaxRank)
        {
            throw new ModelException($"{what} has rank {dims.Length}, more than the limit of {_limits.MaxRank}", _file, node, op);
        }
        long elements = 1;
        foreach (long d in dims)
        {
            if (d < 0 || d > _limits.MaxDim)
            {
                throw new ModelException($"{what} has dimension {d} in [{string.Join(",", dims.ToArray())}], outside 0..{_limits.MaxDim}", _file, node, op);
            }
            if (d != 0 && elements > _limits.MaxTensorElements / d)
            {
                throw new ModelException(
                    $"{what} declares shape [{string.Join(",", dims.ToArray())}], more than the limit of {_limits.MaxTensorElements} elements", _file, node, op);
            }
            elements *= d;
        }
        return elements;
    }

    /// <summary>Checks a tensor's declared shape; returns its declared byte size.</summary>
    private long CheckTensor(TensorProto tensor, string what, string? node = null, string? op = null)
    {
        long elements = CheckDims(tensor.Dims.ToArray(), what, node, op);
        int elementBytes = DataTypes.IsDefined(tensor.DataType) ? ((DataType)tensor.DataType).SizeOf() : 1;
        return elements * elementBytes; // ≤ 2^31 × 8: no overflow
    }

    private long CheckAttribute(AttributeProto attribute, string node, string op)
    {
        string what = $"attribute '{attribute.Name}'";
        long count = Math.Max(Math.Max(attribute.Ints.Count, attribute.Floats.Count), Math.Max(attribute.Strings.Count, attribute.S.Length));
        if (count > _limits.MaxAttributeElements || attribute.Tensors.Count > _limits.MaxAttributeElements)
        {
            throw new ModelException($"{what} holds {count} values, more than the limit of {_limits.MaxAttributeElements}", _file, node, op);
        }
        long bytes = attribute.T is { } t ? CheckTensor(t, what, node, op) : 0;
        foreach (var tensor in attribute.Tensors)
        {
            bytes = AddBytes(bytes, CheckTensor(tensor, what, node, op));
        }
        return bytes;
    }

    private static long AddBytes(long total, long more) => total > long.MaxValue - more ? long.MaxValue : total + more;
}
