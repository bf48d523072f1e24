using WasmGraph.Abstractions.Ir;
using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import;

/// <summary>
/// Writes the IR of an ONNX op that has no IR op of its own (RNN, QLinearConv, Adam…) as a small program of existing
/// ops. Each call emits one node through <see cref="ImportContext.Emit"/>, so types are inferred and constant inputs
/// fold as the program is written; every intermediate gets a fresh name under the ONNX node's name, and the last
/// step of a value the model reads is written straight into its ONNX output name.
/// </summary>
internal sealed class Decomposer
{
    private readonly OnnxNode _node;
    private readonly ImportContext _context;
    private readonly Dictionary<(float, DataType), string> _scalars = new();
    private int _parts;

    public Decomposer(OnnxNode node, ImportContext context)
    {
        _node = node;
        _context = context;
    }

    public TensorType TypeOf(string value) => _context.Builder.Types[value];

    public Shape ShapeOf(string value) => TypeOf(value).Shape;

    /// <summary>The value's constant data if it is (or has folded to) a constant.</summary>
    public TensorData? ConstantOrNull(string value) => _context.Builder.Constants.GetValueOrDefault(value);

    /// <summary>Emits <paramref name="op"/> on <paramref name="inputs"/> and returns its (only) output.</summary>
    public string Op(string op, IReadOnlyList<string> inputs, IrAttributes? attributes = null, string? output = null)
    {
        string part = $"{op.ToLowerInvariant()}{++_parts}";
        string result = output ?? _context.Temp(_node, part);
        _context.Emit(_node, op, inputs, [result], attributes ?? IrAttributes.Empty, part);
        return result;
    }

    public string Constant(TensorData data, string hint = "constant")
    {
        string name = _context.Temp(_node, hint);
        _context.Builder.AddConstant(name, data);
        return name;
    }

    /// <summary>A scalar constant of <paramref name="type"/> (float32 unless given), shared within this node.</summary>
    public string Scalar(float value, DataType type = DataType.Float32)
    {
        if (!_scalars.TryGetValue((value, type), out var name))
        {
            name = Constant(Abstractions.Ops.ConstantMath.FromDoubles(type, Shape.Scalar, [value]), "scalar");
            _scalars[(value, type)] = name;
        }
        return name;
    }

    public string Add(string a, string b, string? output = null) => Op("Add", [a, b], output: output);

    public string Sub(string a, string b, string? output = null) => Op("Sub", [a, b], output: output);

    public string Mul(string a, string b, string? output = null) => Op("Mul", [a, b], output: output);

    public string Div(string a, string b, string? output = null) => Op("Div", [a, b], output: output);

    public string MatMul(string a, string b, string? output = null) => Op("MatMul", [a, b], output: output);

    public string Unary(string op, string x, IrAttributes? attributes = null, string? output = null) => Op(op, [x], attributes, output);

    public string Cast(string x, DataType to, string? output = null)
        => TypeOf(x).ElementType == to && output is null ? x : Op("Cast", [x], IrAttributes.Empty.With("to", (long)to), output);

    public string Reshape(string x, IReadOnlyList<long> dims, string? output = null)
        => ShapeOf(x).Dims.SequenceEqual(dims) && output is null ? x : Op("Reshape", [x], IrAttributes.Empty.With("shape", dims), output);

    public string Transpose(string x, IReadOnlyList<long> perm, string? output = null)
        => Op("Transpose", [x], IrAttributes.Empty.With("perm", perm), output);

    public string Concat(long axis, IReadOnlyList<string> inputs, string? output = null)
        => inputs.Count == 1 && output is null ? inputs[0] : Op("Concat", inputs, IrAttributes.Empty.With("axis", axis), output);

    /// <summary><paramref name="count"/> entries of axis <paramref name="axis"/> from <paramref name="start"/>, the other axes whole.</summary>
    public string Slice(string x, int axis, long start, long count, string? output = null)
    {
        var shape = ShapeOf(x);
        if (start == 0 && count == shape[axis] && output is null)
        {
            return x;
        }
        var starts = new long[shape.Rank];
        var sizes = shape.Dims.ToArray();
        starts[axis] = start;
        sizes[axis] = count;
        var attributes = IrAttributes.Empty.With("starts", starts).With("steps", Enumerable.Repeat(1L, shape.Rank)).With("sizes", sizes);
        return Op("Slice", [x], attributes, output);
    }

    /// <summary>Writes <paramref name="value"/> into the ONNX output <paramref name="output"/> (a copy only when needed).</summary>
    public void Bind(string value, string output)
    {
        if (value != output)
        {
            _context.Alias(_node, output, value);
        }
    }
}
