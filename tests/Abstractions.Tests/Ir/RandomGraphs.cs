using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Abstractions.Tests.Ir;

/// <summary>
/// Random graphs for the text round-trip property: every element type with random bits (NaN payloads, -0,
/// subnormals), bounded types, every attribute kind, names that need quoting (keywords, colons, quotes, control
/// characters, lone surrogates, "//"), metadata and memory plans. They need not verify: the text format carries any
/// graph whose values are defined before use.
/// </summary>
internal sealed class RandomGraphs(int seed)
{
    private static readonly string[] NamePieces =
    [
        "x", "conv1/weight", "onnx::Conv_12", "a:", "a::", "const", "return", "memory", "1", "-x", "with space", "quote\"d",
        "tab\t", "é", "//c", "NaN", "ints", "float32", "\u0001", "\ud800", "x.1", "≤", "back\\slash", "#", "y", "graph",
    ];

    private static readonly string[] Ops = ["Add", "Conv", "FusedElementwise", "wg.op", "My Op", "ai.onnx.preview:Adam"];

    private readonly Random _random = new(seed);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public Graph Next()
    {
        var b = new GraphBuilder(String());
        var defined = new List<string>();
        for (int i = _random.Next(4); i > 0; i--)
        {
            defined.Add(b.AddInput(FreshName(), Type()));
        }
        for (int i = _random.Next(5); i > 0; i--)
        {
            defined.Add(b.AddConstant(FreshName(), Data(Type())));
        }
        for (int n = _random.Next(6); n > 0; n--)
        {
            var inputs = Enumerable.Range(0, _random.Next(4))
                .Select(_ => defined.Count == 0 || _random.Next(6) == 0 ? "" : defined[_random.Next(defined.Count)]).ToList();
            var outputs = Enumerable.Range(0, _random.Next(3)).Select(_ => (FreshName(), Type())).ToList();
            var attributes = Attributes.Empty;
            for (int a = _random.Next(4); a > 0; a--)
            {
                attributes = attributes.With(String(), Attribute());
            }
            b.AddNode(Ops[_random.Next(Ops.Length)], inputs, outputs, attributes, _random.Next(5) == 0 ? "" : String());
            defined.AddRange(outputs.Select(o => o.Item1));
        }
        for (int i = _random.Next(3); i > 0 && defined.Count > 0; i--)
        {
            b.Outputs.Add(defined[_random.Next(defined.Count)]);
        }
        for (int i = _random.Next(3); i > 0; i--)
        {
            b.Metadata[String()] = String();
        }
        var graph = b.Build();
        if (_random.Next(3) == 0)
        {
            var slots = defined.Where(_ => _random.Next(2) == 0)
                .ToImmutableDictionary(v => v, _ => new MemorySlot(_random.Next(1000) * 64L, _random.Next(100)));
            graph = graph.WithMemoryPlan(new MemoryPlan(slots, _random.Next(100_000), 64 << _random.Next(3)));
        }
        return graph;
    }

    private string FreshName()
    {
        var name = NamePieces[_random.Next(NamePieces.Length)];
        while (!_used.Add(name))
        {
            name += _random.Next(10);
        }
        return name;
    }

    /// <summary>Any string: the name pieces glued together, sometimes empty.</summary>
    private string String()
        => string.Concat(Enumerable.Range(0, _random.Next(3)).Select(_ => NamePieces[_random.Next(NamePieces.Length)]));

    private TensorType Type()
    {
        var elementType = DataTypes.All[_random.Next(DataTypes.All.Count)];
        var shape = new Shape(Enumerable.Range(0, _random.Next(4)).Select(_ => (long)_random.Next(4)).ToArray());
        var bounded = Enumerable.Range(0, shape.Rank).Where(_ => _random.Next(5) == 0).ToArray();
        return bounded.Length == 0 ? new TensorType(elementType, shape) : TensorType.Bounded(elementType, shape, bounded);
    }

    /// <summary>Random bytes; bool mostly 0 and 1, as real data is, and sometimes another byte.</summary>
    private TensorData Data(TensorType type)
    {
        var bytes = new byte[type.ByteSize];
        _random.NextBytes(bytes);
        if (type.ElementType == DataType.Bool)
        {
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] = _random.Next(8) == 0 ? bytes[i] : (byte)(bytes[i] & 1);
            }
        }
        return new TensorData(type, bytes);
    }

    private AttributeValue Attribute() => _random.Next(7) switch
    {
        0 => AttributeValue.Of(_random.NextInt64(long.MinValue, long.MaxValue)),
        1 => AttributeValue.Of(Float()),
        2 => AttributeValue.Of(String()),
        3 => AttributeValue.Of(Enumerable.Range(0, _random.Next(4)).Select(_ => _random.NextInt64(-5, 5)).ToArray()),
        4 => AttributeValue.Of(Enumerable.Range(0, _random.Next(4)).Select(_ => Float()).ToArray()),
        5 => AttributeValue.Of(Enumerable.Range(0, _random.Next(4)).Select(_ => String()).ToArray()),
        _ => AttributeValue.Of(Data(Type())),
    };

    /// <summary>Random bits half the time (NaN payloads, subnormals), otherwise a special or a plain value.</summary>
    private float Float() => _random.Next(4) switch
    {
        0 => BitConverter.Int32BitsToSingle(_random.Next() ^ (_random.Next(2) << 31)),
        1 => new[] { float.NaN, -float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 0f, float.Epsilon, float.MaxValue }[_random.Next(8)],
        _ => (float)(_random.NextDouble() * 100 - 50),
    };
}
