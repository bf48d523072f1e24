using System.Collections.Immutable;
using System.Globalization;

namespace WasmGraph.Abstractions.Ir;

/// <summary>
/// Reads the text <see cref="GraphText.Print(Graph, GraphTextOptions)"/> writes (grammar in docs/ir.md, "Text format"),
/// by recursive descent over the characters. Line breaks and spaces only separate tokens, and <c>//</c> starts a
/// comment to the end of the line, so hand-written test graphs may be laid out freely. Every error is a
/// <see cref="ModelException"/> naming the line and column, and values must be defined before they are read, as the
/// verifier requires, so a typo in a test graph is caught where it is.
/// </summary>
internal sealed class GraphTextParser
{
    private readonly GraphTextCursor _in;
    private readonly Dictionary<string, int> _definedAt = new(StringComparer.Ordinal); // value → offset of its definition
    private readonly ImmutableDictionary<string, TensorType>.Builder _types = ImmutableDictionary.CreateBuilder<string, TensorType>(StringComparer.Ordinal);

    public GraphTextParser(string text) => _in = new GraphTextCursor(text);

    public Graph ParseGraph()
    {
        _in.Keyword("graph");
        var name = _in.Name("the graph's name");
        var inputs = ImmutableArray.CreateBuilder<string>();
        _in.Expect('(');
        if (!_in.TryChar(')'))
        {
            do
            {
                var (input, type) = TypedName("an input name");
                inputs.Add(input);
                _types[input] = type;
            }
            while (_in.TryChar(','));
            _in.Expect(')');
        }
        _in.Expect('{');
        var constants = ImmutableDictionary.CreateBuilder<string, TensorData>(StringComparer.Ordinal);
        var metadata = ImmutableDictionary.CreateBuilder<string, string>();
        var nodes = ImmutableArray.CreateBuilder<Node>();
        ImmutableArray<string>? outputs = null;
        MemoryPlan? memory = null;
        while (!_in.TryChar('}'))
        {
            int at = _in.Here();
            if (memory is not null)
            {
                throw _in.Error(at, "expected '}': the memory plan is the last item of a graph");
            }
            switch (_in.PeekWord())
            {
                case "meta":
                    _in.Keyword("meta");
                    var key = _in.Name("a metadata key");
                    _in.Expect('=');
                    if (!metadata.TryAdd(key, _in.QuotedString()))
                    {
                        throw _in.Error(at, $"metadata key '{key}' is given twice");
                    }
                    break;
                case "const":
                    _in.Keyword("const");
                    var (constant, constantType) = TypedName("a constant name");
                    _in.Expect('=');
                    constants[constant] = Data(constantType);
                    _types[constant] = constantType;
                    break;
                case "return":
                    _in.Keyword("return");
                    if (outputs is not null)
                    {
                        throw _in.Error(at, "the graph has a second 'return'");
                    }
                    outputs = ReturnList();
                    break;
                case "memory":
                    memory = MemoryPlan();
                    break;
                default:
                    nodes.Add(Node());
                    break;
            }
        }
        if (outputs is null)
        {
            throw _in.Error(_in.Position - 1, "the graph has no 'return' naming its outputs");
        }
        if (!_in.AtEnd())
        {
            throw _in.Error(_in.Here(), $"unexpected {_in.Found()} after the graph");
        }
        return new Graph
        {
            Name = name,
            Inputs = inputs.ToImmutable(),
            Outputs = outputs.Value,
            Nodes = nodes.ToImmutable(),
            Types = _types.ToImmutable(),
            Constants = constants.ToImmutable(),
            Metadata = metadata.ToImmutable(),
            Memory = memory,
        };
    }

    /// <summary><c>[outputs =] Op(inputs) [{attributes}] [# name]</c>; without a name, the first output names the node.</summary>
    private Node Node()
    {
        var outputs = new List<(string Name, TensorType Type)>();
        int start = _in.Here();
        var first = _in.Name("a node's output or op");
        string op = first;
        if (_in.TryChar(':'))
        {
            _in.Position = start;
            do
            {
                outputs.Add(TypedName("an output name", define: false));
            }
            while (_in.TryChar(','));
            _in.Expect('=');
            op = _in.Name("an op");
        }
        _in.Expect('(');
        var inputs = ImmutableArray.CreateBuilder<string>();
        if (!_in.TryChar(')'))
        {
            do
            {
                int at = _in.Here();
                inputs.Add(Use(_in.Name("an input name (\"\" for an omitted one)"), at));
            }
            while (_in.TryChar(','));
            _in.Expect(')');
        }
        var attributes = Attributes.Empty;
        if (_in.TryChar('{'))
        {
            do
            {
                int at = _in.Here();
                var key = _in.Name("an attribute name");
                _in.Expect('=');
                if (attributes.Has(key))
                {
                    throw _in.Error(at, $"attribute '{key}' is given twice");
                }
                attributes = attributes.With(key, AttributeValue());
            }
            while (_in.TryChar(','));
            _in.Expect('}');
        }
        var name = _in.TryChar('#') ? _in.Name("the node's name") : outputs.Count > 0 ? outputs[0].Name : op;
        foreach (var (output, type) in outputs)
        {
            Define(output, start);
            _types[output] = type;
        }
        return new Node(name, op, inputs.ToImmutable(), outputs.Select(o => o.Name).ToImmutableArray(), attributes);
    }

    private ImmutableArray<string> ReturnList()
    {
        var outputs = ImmutableArray.CreateBuilder<string>();
        _in.Here();
        if (_in.Peek('}') || _in.PeekWord() == "memory")
        {
            return outputs.ToImmutable();
        }
        do
        {
            int at = _in.Here();
            outputs.Add(Use(_in.Name("an output name"), at));
        }
        while (_in.TryChar(','));
        return outputs.ToImmutable();
    }

    /// <summary><c>memory: arena N bytes, alignment A</c>, then one <c>name [offset, end)</c> per value.</summary>
    private MemoryPlan MemoryPlan()
    {
        _in.Keyword("memory");
        _in.Expect(':');
        _in.Keyword("arena");
        long arena = _in.Long();
        _in.Keyword("bytes");
        _in.Expect(',');
        _in.Keyword("alignment");
        int alignmentAt = _in.Here();
        long alignment = _in.Long();
        if (alignment is < 1 or > int.MaxValue)
        {
            throw _in.Error(alignmentAt, $"alignment {alignment} is not a positive int");
        }
        var slots = ImmutableDictionary.CreateBuilder<string, MemorySlot>(StringComparer.Ordinal);
        _in.Here();
        while (!_in.Peek('}'))
        {
            int at = _in.Here();
            var value = _in.Name("a value's name or '}'");
            _in.Expect('[');
            long offset = _in.Long();
            _in.Expect(',');
            long end = _in.Long();
            _in.Expect(')');
            if (end < offset || !slots.TryAdd(value, new MemorySlot(offset, end - offset)))
            {
                throw _in.Error(at, end < offset ? $"slot [{offset}, {end}) ends before it starts" : $"'{value}' has two slots");
            }
            _in.Here();
        }
        return new MemoryPlan(slots.ToImmutable(), arena, (int)alignment);
    }

    private AttributeValue AttributeValue()
    {
        int at = _in.Here();
        if (_in.Peek('"'))
        {
            return Ir.AttributeValue.Of(_in.QuotedString());
        }
        if (_in.TryChar('['))
        {
            if (_in.TryChar(']'))
            {
                throw _in.Error(at, "an empty list has no element type: write ints[], floats[] or strings[]");
            }
            if (_in.Peek('"'))
            {
                var strings = new List<string>();
                do { strings.Add(_in.QuotedString()); } while (_in.TryChar(','));
                _in.Expect(']');
                return Ir.AttributeValue.Of(strings);
            }
            var tokens = new List<(string Token, int At)>();
            do
            {
                int elementAt = _in.Here();
                tokens.Add((_in.NumberToken(), elementAt));
            }
            while (_in.TryChar(','));
            _in.Expect(']');
            return tokens.Any(t => GraphTextSyntax.IsFloatToken(t.Token))
                ? Ir.AttributeValue.Of(tokens.Select(t => Float(t.Token, t.At)))
                : Ir.AttributeValue.Of(tokens.Select(t => _in.LongToken(t.Token, t.At)));
        }
        switch (_in.PeekWord())
        {
            case "ints": _in.Keyword("ints"); _in.Expect('['); _in.Expect(']'); return Ir.AttributeValue.Of(Array.Empty<long>());
            case "floats": _in.Keyword("floats"); _in.Expect('['); _in.Expect(']'); return Ir.AttributeValue.Of(Array.Empty<float>());
            case "strings": _in.Keyword("strings"); _in.Expect('['); _in.Expect(']'); return Ir.AttributeValue.Of(Array.Empty<string>());
            case { } word when DataTypes.TryParse(word, out _):
                return Ir.AttributeValue.Of(Data(Type()));
        }
        var token = _in.NumberToken();
        return GraphTextSyntax.IsFloatToken(token) ? Ir.AttributeValue.Of(Float(token, at)) : Ir.AttributeValue.Of(_in.LongToken(token, at));
    }

    private float Float(string token, int at)
        => BitConverter.UInt32BitsToSingle((uint)FloatBits(token, DataType.Float32, at));

    /// <summary><c>NAME: TYPE</c>, the name defined here unless the caller defines it later (a node's outputs).</summary>
    private (string Name, TensorType Type) TypedName(string what, bool define = true)
    {
        int at = _in.Here();
        var name = _in.Name(what);
        _in.Expect(':');
        var type = Type();
        if (define)
        {
            Define(name, at);
        }
        return (name, type);
    }

    /// <summary><c>float32[1,3]</c>; a bounded axis is <c>≤6</c> (or <c>&lt;=6</c>).</summary>
    private TensorType Type()
    {
        int at = _in.Here();
        var word = _in.PeekWord();
        if (word is null || !DataTypes.TryParse(word, out var elementType))
        {
            throw _in.Error(at, $"expected an element type ({string.Join(", ", DataTypes.All.Select(t => t.Name()))}), found {_in.Found()}");
        }
        _in.Position += word.Length;
        _in.Expect('[');
        var dims = new List<long>();
        var dynamic = new List<int>();
        if (!_in.TryChar(']'))
        {
            do
            {
                if (_in.TryChar('≤') || _in.TryText("<="))
                {
                    dynamic.Add(dims.Count);
                }
                int dimAt = _in.Here();
                long dim = _in.Long();
                dims.Add(dim >= 0 ? dim : throw _in.Error(dimAt, $"dimension {dim} is negative; shapes in the IR are static"));
            }
            while (_in.TryChar(','));
            _in.Expect(']');
        }
        var shape = new Shape(dims.ToArray());
        if (dynamic.Any(axis => axis >= 32) || !HasAByteSize(shape, elementType))
        {
            throw _in.Error(at, dynamic.Any(axis => axis >= 32) ? "only the first 32 axes may be bounded" : $"the byte size of {elementType.Name()}{shape} overflows an int64");
        }
        return dynamic.Count == 0 ? new TensorType(elementType, shape) : TensorType.Bounded(elementType, shape, dynamic.ToArray());
    }

    /// <summary>A tensor's elements, flat in row-major order, as many as its type holds.</summary>
    private TensorData Data(TensorType type)
    {
        int at = _in.Here();
        if (_in.Peek('<'))
        {
            throw _in.Error(at, "this tensor's data is elided (the text has only its size and hash); print the graph with GraphTextOptions.Full to parse it");
        }
        _in.Expect('[');
        var tokens = new List<(string Token, int At)>();
        if (!_in.TryChar(']'))
        {
            do
            {
                int elementAt = _in.Here();
                tokens.Add((_in.NumberToken(), elementAt));
            }
            while (_in.TryChar(','));
            _in.Expect(']');
        }
        // Counted before anything is allocated, so a mistyped dimension cannot ask for terabytes.
        if (tokens.Count != type.ElementCount)
        {
            throw _in.Error(at, $"{type} holds {type.ElementCount} values, the data has {tokens.Count}");
        }
        var bytes = new byte[type.ByteSize];
        int size = type.ElementType.SizeOf();
        for (int i = 0; i < tokens.Count; i++)
        {
            WriteLittleEndian(bytes.AsSpan(i * size, size), Element(tokens[i].Token, type.ElementType, tokens[i].At));
        }
        return new TensorData(type, bytes);
    }

    /// <summary>One element's bits (two's complement for signed integers), checked against the type's range.</summary>
    private ulong Element(string token, DataType type, int at)
    {
        if (type.IsFloat())
        {
            return FloatBits(token, type, at);
        }
        if (type == DataType.Bool && token is "true" or "false")
        {
            return token == "true" ? 1ul : 0ul;
        }
        int bits = type.SizeOf() * 8;
        if (type.Kind() == DataTypeKind.SignedInteger)
        {
            long value = _in.LongToken(token, at);
            if (bits < 64 && (value < -(1L << (bits - 1)) || value >= 1L << (bits - 1)))
            {
                throw _in.Error(at, $"{value} is out of range for {type.Name()}");
            }
            return unchecked((ulong)value);
        }
        if (!ulong.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var unsigned) || (bits < 64 && unsigned >= 1ul << bits))
        {
            throw _in.Error(at, $"expected a {type.Name()} value, found '{token}'");
        }
        return unsigned;
    }

    private ulong FloatBits(string token, DataType format, int at)
    {
        int bits = format.SizeOf() * 8;
        if (GraphTextSyntax.ParseFloatBits(token, format) is not { } value || (bits < 64 && value >> bits != 0)
            || (token.StartsWith("NaN:", StringComparison.Ordinal) && !GraphTextSyntax.IsNaN(value, format)))
        {
            throw _in.Error(at, $"expected a {format.Name()} value, found '{token}'");
        }
        return value;
    }

    /// <summary>Whether <see cref="TensorType.ByteSize"/> is an int64 rather than an overflow (a mistyped dimension).</summary>
    private static bool HasAByteSize(Shape shape, DataType elementType)
    {
        if (shape.Dims.Contains(0))
        {
            return true;
        }
        long bytes = elementType.SizeOf();
        foreach (var d in shape.Dims)
        {
            if (bytes > long.MaxValue / d)
            {
                return false;
            }
            bytes *= d;
        }
        return true;
    }

    private static void WriteLittleEndian(Span<byte> target, ulong value)
    {
        for (int i = 0; i < target.Length; i++)
        {
            target[i] = (byte)(value >> (8 * i));
        }
    }

    private void Define(string value, int at)
    {
        if (_definedAt.TryGetValue(value, out var previous))
        {
            throw _in.Error(at, $"'{value}' is already defined at {_in.LineAndColumn(previous)}");
        }
        _definedAt[value] = at;
    }

    private string Use(string value, int at)
        => value.Length == 0 || _definedAt.ContainsKey(value) ? value : throw _in.Error(at, $"'{value}' is read before it is defined");
}
