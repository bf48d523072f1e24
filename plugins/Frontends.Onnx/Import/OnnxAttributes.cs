using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Onnx;
using WasmGraph.Onnx.Proto;
using AttributeType = WasmGraph.Onnx.Proto.AttributeProto.Types.AttributeType;
using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import;

/// <summary>
/// Typed access to a node's ONNX attributes, with the ONNX default supplied by the caller. A wrongly typed attribute
/// is a model error naming the node, not a crash. Attributes from IR version 1 carry no <c>type</c>; their kind is
/// taken from whichever value field is set.
/// </summary>
internal sealed class OnnxAttributes
{
    private readonly Dictionary<string, AttributeProto> _byName = new(StringComparer.Ordinal);
    private readonly OnnxNode _node;

    public OnnxAttributes(IEnumerable<AttributeProto> attributes, OnnxNode node)
    {
        _node = node;
        foreach (var attribute in attributes)
        {
            _byName[attribute.Name] = attribute;
        }
    }

    public bool Has(string name) => _byName.ContainsKey(name);

    public long Int(string name, long fallback) => Find(name, AttributeType.Int) is { } a ? a.I : fallback;

    public long Int(string name) => Require(name, AttributeType.Int).I;

    public float Float(string name, float fallback) => Find(name, AttributeType.Float) is { } a ? a.F : fallback;

    public string String(string name, string fallback) => Find(name, AttributeType.String) is { } a ? a.S.ToStringUtf8() : fallback;

    public long[]? Ints(string name) => Find(name, AttributeType.Ints)?.Ints.ToArray();

    public float[]? Floats(string name) => Find(name, AttributeType.Floats)?.Floats.ToArray();

    public List<string>? Strings(string name) => Find(name, AttributeType.Strings)?.Strings.Select(s => s.ToStringUtf8()).ToList();

    public TensorProto? Tensor(string name) => Find(name, AttributeType.Tensor)?.T;

    /// <summary>A required subgraph attribute (the body of If, Loop, Scan).</summary>
    public GraphProto Graph(string name)
        => Require(name, AttributeType.Graph).G ?? throw new ModelException($"attribute '{name}' holds no graph", node: _node.Name, op: _node.OpType);

    /// <summary>
    /// Every attribute as an IR attribute, for the importers of ops plugins add (<see cref="Abstractions.Ops.SourceNode"/>),
    /// which cannot see ONNX's message types. Subgraph attributes have no IR form and are refused.
    /// </summary>
    public IrAttributes ToIr(string file)
    {
        var result = IrAttributes.Empty;
        foreach (var (name, attribute) in _byName)
        {
            var value = KindOf(attribute) switch
            {
                AttributeType.Int => AttributeValue.Of(attribute.I),
                AttributeType.Float => AttributeValue.Of(attribute.F),
                AttributeType.String => AttributeValue.Of(attribute.S.ToStringUtf8()),
                AttributeType.Ints => AttributeValue.Of(attribute.Ints),
                AttributeType.Floats => AttributeValue.Of(attribute.Floats),
                AttributeType.Strings => AttributeValue.Of(attribute.Strings.Select(s => s.ToStringUtf8())),
                AttributeType.Tensor => AttributeValue.Of(OnnxTensors.ToTensorData(attribute.T, $"attribute '{name}'", file)),
                var other => throw new ModelException($"attribute '{name}' is {other}, which ops added by plugins cannot take", node: _node.Name, op: _node.OpType),
            };
            result = result.With(name, value);
        }
        return result;
    }

    /// <summary>The attribute's kind (explicit, or deduced for IR version 1 files), or null when absent.</summary>
    public AttributeType? KindOf(string name) => _byName.TryGetValue(name, out var a) ? KindOf(a) : null;

    private AttributeProto Require(string name, AttributeType kind)
        => Find(name, kind) ?? throw new ModelException($"required attribute '{name}' is missing", node: _node.Name, op: _node.OpType);

    private AttributeProto? Find(string name, AttributeType kind)
    {
        if (!_byName.TryGetValue(name, out var attribute))
        {
            return null;
        }
        var actual = KindOf(attribute);
        if (actual != kind)
        {
            throw new ModelException($"attribute '{name}' is {actual}, expected {kind}", node: _node.Name, op: _node.OpType);
        }
        return attribute;
    }

    private static AttributeType KindOf(AttributeProto a)
    {
        if (a.HasType && a.Type != AttributeType.Undefined)
        {
            return a.Type;
        }
        if (a.Ints.Count > 0) { return AttributeType.Ints; }
        if (a.Floats.Count > 0) { return AttributeType.Floats; }
        if (a.Strings.Count > 0) { return AttributeType.Strings; }
        if (a.T is not null) { return AttributeType.Tensor; }
        if (a.G is not null) { return AttributeType.Graph; }
        if (a.HasS) { return AttributeType.String; }
        if (a.HasF) { return AttributeType.Float; }
        if (a.HasI) { return AttributeType.Int; }
        return AttributeType.Undefined;
    }
}
