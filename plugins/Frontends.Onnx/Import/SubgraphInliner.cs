using WasmGraph.Abstractions;
using WasmGraph.Onnx;
using WasmGraph.Onnx.Proto;

namespace WasmGraph.Frontends.Onnx.Import;

/// <summary>
/// Writes a subgraph (an If branch, a Loop or Scan body) into the graph being built, as often as the control-flow
/// node needs it: once for a taken If branch, once per iteration of an unrolled Loop or Scan. The IR has no control
/// flow, so inlining is the whole translation.
/// <para>
/// Each inlining binds the body's formal inputs to actual IR values and gives every value the body defines a fresh
/// name under the control-flow node (<c>loop/iter2/y_out__17</c>), so inlinings never collide. Names the body does
/// not define resolve in the enclosing scopes (<see cref="ImportContext.ForSubgraph"/>), which is how ONNX bodies
/// read outer-scope values, and body nodes go through the ordinary op table, so a nested If or Loop inlines its own
/// body the same way. Body initializers are read once and Constant nodes imported once, then shared by every
/// inlining: they do not depend on the iteration.
/// </para>
/// </summary>
internal sealed class SubgraphInliner
{
    private readonly OnnxNode _node;
    private readonly ImportContext _context;
    private readonly GraphProto _body;
    private readonly string _attribute;
    private readonly Dictionary<string, string> _initializers = new(StringComparer.Ordinal);
    private readonly Dictionary<int, string> _sharedConstants = new();
    private readonly HashSet<string> _read;

    public SubgraphInliner(OnnxNode node, ImportContext context, string attribute)
    {
        _node = node;
        _context = context;
        _attribute = attribute;
        _body = node.Attributes.Graph(attribute);
        if (_body.SparseInitializer.Count > 0)
        {
            throw context.Unsupported(node, $"{attribute} has sparse initializers");
        }
        foreach (var tensor in _body.Initializer)
        {
            string name = context.Temp(node, $"{attribute}/{tensor.Name}");
            context.Builder.AddConstant(name, OnnxTensors.ToTensorData(tensor, $"initializer '{tensor.Name}' of {attribute}", context.File));
            _initializers[tensor.Name] = name;
        }
        // Inputs that are also initializers (IR version < 4 lists weights as inputs) are not formal inputs.
        FormalInputs = _body.Input.Select(i => i.Name).Where(n => !_initializers.ContainsKey(n)).ToList();
        Outputs = _body.Output.Select(o => o.Name).ToList();
        NodeCount = CountNodes(_body);
        _read = OnnxImporter.UsedValues(_body);
    }

    public IReadOnlyList<string> FormalInputs { get; }

    public IReadOnlyList<string> Outputs { get; }

    /// <summary>The body's nodes, nested bodies included: what one inlining costs, for the unrolling limit.</summary>
    public long NodeCount { get; }

    /// <summary>
    /// Inlines the body once with its formal inputs bound to <paramref name="actualInputs"/>; returns the IR values of
    /// the body's outputs. <paramref name="instance"/> names this inlining (<c>then</c>, <c>iter3</c>).
    /// </summary>
    public IReadOnlyList<string> Inline(string instance, IReadOnlyList<string> actualInputs)
    {
        if (actualInputs.Count != FormalInputs.Count)
        {
            throw _context.Error(_node, $"{_attribute} takes {FormalInputs.Count} inputs, but the node passes {actualInputs.Count}");
        }
        var bindings = new Dictionary<string, string>(_initializers, StringComparer.Ordinal);
        for (int i = 0; i < FormalInputs.Count; i++)
        {
            bindings[FormalInputs[i]] = actualInputs[i];
        }
        string prefix = $"{_node.Name}/{instance}";
        var used = new HashSet<string>(StringComparer.Ordinal);
        var nodes = new List<(int Index, NodeProto Proto, string[] Outputs)>();
        for (int i = 0; i < _body.Node.Count; i++)
        {
            var proto = _body.Node[i];
            var outputs = proto.Output.Select(o => o.Length == 0 ? o : _context.Builder.FreshName($"{prefix}/{o}")).ToArray();
            for (int k = 0; k < outputs.Length; k++)
            {
                if (outputs[k].Length > 0)
                {
                    bindings[proto.Output[k]] = _sharedConstants.GetValueOrDefault(i) ?? outputs[k];
                    if (_read.Contains(proto.Output[k]))
                    {
                        used.Add(outputs[k]);
                    }
                }
            }
            nodes.Add((i, proto, outputs));
        }
        var scope = _context.ForSubgraph(bindings, used);
        foreach (var (index, proto, outputs) in nodes)
        {
            if (_sharedConstants.ContainsKey(index))
            {
                continue;
            }
            scope.ImportNode(new OnnxNode(proto, $"{prefix}/{OnnxNode.DisplayName(proto, index)}", outputs));
            if (proto.OpType == "Constant" && proto.Input.Count == 0 && outputs.Length == 1)
            {
                _sharedConstants[index] = scope.Resolve(proto.Output[0]);
            }
        }
        return Outputs.Select(output =>
        {
            string value = scope.Resolve(output);
            return scope.IsDefined(value) ? value : throw _context.Error(_node, $"{_attribute} output '{output}' is never produced");
        }).ToList();
    }

    private static long CountNodes(GraphProto graph)
        => graph.Node.Count + graph.Node.SelectMany(n => n.Attribute)
            .Sum(a => (a.G is { } g ? CountNodes(g) : 0) + a.Graphs.Sum(CountNodes));
}
