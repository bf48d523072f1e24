using System.Collections.Immutable;
using System.Globalization;
using System.Text;

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
    private readonly string _text;
    private readonly Dictionary<string, int> _definedAt = new(StringComparer.Ordinal); // value → offset of its definition
    private readonly ImmutableDictionary<string, TensorType>.Builder _types = ImmutableDictionary.CreateBuilder<string, TensorType>(StringComparer.Ordinal);
    private int _pos;

    public GraphTextParser(string text) => _text = text;

    public Graph ParseGraph()
    {
        Keyword("graph");
        var name = Name("the graph's name");
        var inputs = ImmutableArray.CreateBuilder<string>();
        Expect('(');
        if (!TryChar(')'))
        {
            do
            {
                var (input, type) = TypedName("an input name");
                inputs.Add(input);
                _types[input] = type;
            }
            while (TryChar(','));
            Expect(')');
        }
        Expect('{');
        var constants = ImmutableDictionary.CreateBuilder<string, TensorData>(StringComparer.Ordinal);
        var metadata = ImmutableDictionary.CreateBuilder<string, string>();
        var nodes = ImmutableArray.CreateBuilder<Node>();
        ImmutableArray<string>? outputs = null;
        MemoryPlan? memory = null;
        while (!TryChar('}'))
        {
            int at = Here();
            if (memory is not null)
            {
                throw Error(at, "expected '}': the memory plan is the last item of a graph");
            }
            switch (PeekWord())
            {
                case "meta":
                    Keyword("meta");
                    var key = Name("a metadata key");
                    Expect('=');
                    if (!metadata.TryAdd(key, QuotedString()))
                    {
                        throw Error(at, $"metadata key '{key}' is given twice");
                    }
                    break;
                case "const":
                    Keyword("const");
                    var (constant, constantType) = TypedName("a constant name");
                    Expect('=');
                    constants[constant] = Data(constantType);
                    _types[constant] = constantType;
                    break;
                case "return":
                    Keyword("return");
                    if (outputs is not null)
                    {
                        throw Error(at, "the graph has a second 'return'");
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
            throw Error(_pos - 1, "the graph has no 'return' naming its outputs");
        }
        SkipTrivia();
        if (_pos < _text.Length)
        {
            throw Error(_pos, $"unexpected {Found()} after the graph");
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
        int start = _pos;
        var first = Name("a node's output or op");
        string op = first;
        if (TryChar(':'))
        {
            _pos = start;
            do
            {
                outputs.Add(TypedName("an output name", define: false));
            }
            while (TryChar(','));
            Expect('=');
            op = Name("an op");
        }
        Expect('(');
        var inputs = ImmutableArray.CreateBuilder<string>();
        if (!TryChar(')'))
        {
            do
            {
                int at = Here();
                inputs.Add(Use(Name("an input name (\"\" for an omitted one)"), at));
            }
            while (TryChar(','));
            Expect(')');
        }
        var attributes = Attributes.Empty;
        if (TryChar('{'))
        {
            do
            {
                int at = Here();
                var key = Name("an attribute name");
                Expect('=');
                if (attributes.Has(key))
                {
                    throw Error(at, $"attribute '{key}' is given twice");
                }
                attributes = attributes.With(key, AttributeValue());
            }
            while (TryChar(','));
            Expect('}');
        }
        var name = TryChar('#') ? Name("the node's name") : outputs.Count > 0 ? outputs[0].Name : op;
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
        SkipTrivia();
        if (Peek('}') || PeekWord() == "memory")
        {
            return outputs.ToImmutable();
        }
        do
        {
            int at = Here();
            outputs.Add(Use(Name("an output name"), at));
        }
        while (TryChar(','));
        return outputs.ToImmutable();
    }

    /// <summary><c>memory: arena N bytes, alignment A</c>, then one <c>name [offset, end)</c> per value.</summary>
    private MemoryPlan MemoryPlan()
    {
        Keyword("memory");
        Expect(':');
        Keyword("arena");
        long arena = Long();
        Keyword("bytes");
        Expect(',');
        Keyword("alignment");
        int alignmentAt = Here();
        long alignment = Long();
        if (alignment is < 1 or > int.MaxValue)
        {
            throw Error(alignmentAt, $"alignment {alignment} is not a positive int");
        }
        var slots = ImmutableDictionary.CreateBuilder<string, MemorySlot>(StringComparer.Ordinal);
        SkipTrivia();
        while (!Peek('}'))
        {
            int at = Here();
            var value = Name("a value's name or '}'");
            Expect('[');
            long offset = Long();
            Expect(',');
            long end = Long();
            Expect(')');
            if (end < offset || !slots.TryAdd(value, new MemorySlot(offset, end - offset)))
            {
                throw Error(at, end < offset ? $"slot [{offset}, {end}) ends before it starts" : $"'{value}' has two slots");
            }
            SkipTrivia();
        }
        return new MemoryPlan(slots.ToImmutable(), arena, (int)alignment);
    }

    private AttributeValue AttributeValue()
    {
        int at = Here();
        if (Peek('"'))
        {
            return Ir.AttributeValue.Of(QuotedString());
        }
        if (TryChar('['))
        {
            if (TryChar(']'))
            {
                throw Error(at, "an empty list has no element type: write ints[], floats[] or strings[]");
            }
            if (Peek('"'))
            {
                var strings = new List<string>();
                do { strings.Add(QuotedString()); } while (TryChar(','));
                Expect(']');
                return Ir.AttributeValue.Of(strings);
            }
            var tokens = new List<(string Token, int At)>();
            do
            {
                int elementAt = Here();
                tokens.Add((NumberToken(), elementAt));
            }
            while (TryChar(','));
            Expect(']');
            return tokens.Any(t => GraphTextSyntax.IsFloatToken(t.Token))
                ? Ir.AttributeValue.Of(tokens.Select(t => Float(t.Token, t.At)))
                : Ir.AttributeValue.Of(tokens.Select(t => LongToken(t.Token, t.At)));
        }
        switch (PeekWord())
        {
            case "ints": Keyword("ints"); Expect('['); Expect(']'); return Ir.AttributeValue.Of(Array.Empty<long>());
            case "floats": Keyword("floats"); Expect('['); Expect(']'); return Ir.AttributeValue.Of(Array.Empty<float>());
            case "strings": Keyword("strings"); Expect('['); Expect(']'); return Ir.AttributeValue.Of(Array.Empty<string>());
            case { } word when DataTypes.TryParse(word, out _):
                return Ir.AttributeValue.Of(Data(Type()));
        }
        var token = NumberToken();
        return GraphTextSyntax.IsFloatToken(token) ? Ir.AttributeValue.Of(Float(token, at)) : Ir.AttributeValue.Of(LongToken(token, at));
    }

    private float Float(string token, int at)
        => BitConverter.UInt32BitsToSingle((uint)FloatBits(token, DataType.Float32, at));

    /// <summary><c>NAME: TYPE</c>, the name defined here unless the caller defines it later (a node's outputs).</summary>
    private (string Name, TensorType Type) TypedName(string what, bool define = true)
    {
        int at = Here();
        var name = Name(what);
        Expect(':');
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
        int at = Here();
        var word = PeekWord();
        if (word is null || !DataTypes.TryParse(word, out var elementType))
        {
            throw Error(at, $"expected an element type ({string.Join(", ", DataTypes.All.Select(t => t.Name()))}), found {Found()}");
        }
        _pos += word.Length;
        Expect('[');
        var dims = new List<long>();
        var dynamic = new List<int>();
        if (!TryChar(']'))
        {
            do
            {
                if (TryChar('≤') || TryText("<="))
                {
                    dynamic.Add(dims.Count);
                }
                dims.Add(Long());
            }
            while (TryChar(','));
            Expect(']');
        }
        var shape = new Shape(dims.ToArray());
        if (dynamic.Any(axis => axis >= 32) || !HasAByteSize(shape, elementType))
        {
            throw Error(at, dynamic.Any(axis => axis >= 32) ? "only the first 32 axes may be bounded" : $"the byte size of {elementType.Name()}{shape} overflows an int64");
        }
        return dynamic.Count == 0 ? new TensorType(elementType, shape) : TensorType.Bounded(elementType, shape, dynamic.ToArray());
    }

    /// <summary>A tensor's elements, flat in row-major order, as many as its type holds.</summary>
    private TensorData Data(TensorType type)
    {
        int at = Here();
        if (Peek('<'))
        {
            throw Error(at, "this tensor's data is elided (the text has only its size and hash); print the graph with GraphTextOptions.Full to parse it");
        }
        Expect('[');
        var tokens = new List<(string Token, int At)>();
        if (!TryChar(']'))
        {
            do
            {
                int elementAt = Here();
                tokens.Add((NumberToken(), elementAt));
            }
            while (TryChar(','));
            Expect(']');
        }
        // Counted before anything is allocated, so a mistyped dimension cannot ask for terabytes.
        if (tokens.Count != type.ElementCount)
        {
            throw Error(at, $"{type} holds {type.ElementCount} values, the data has {tokens.Count}");
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
            long value = LongToken(token, at);
            if (bits < 64 && (value < -(1L << (bits - 1)) || value >= 1L << (bits - 1)))
            {
                throw Error(at, $"{value} is out of range for {type.Name()}");
            }
            return unchecked((ulong)value);
        }
        if (!ulong.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var unsigned) || (bits < 64 && unsigned >= 1ul << bits))
        {
            throw Error(at, $"expected a {type.Name()} value, found '{token}'");
        }
        return unsigned;
    }

    private ulong FloatBits(string token, DataType format, int at)
    {
        int bits = format.SizeOf() * 8;
        if (GraphTextSyntax.ParseFloatBits(token, format) is not { } value || (bits < 64 && value >> bits != 0)
            || (token.StartsWith("NaN:", StringComparison.Ordinal) && !GraphTextSyntax.IsNaN(value, format)))
        {
            throw Error(at, $"expected a {format.Name()} value, found '{token}'");
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

    private long Long()
    {
        int at = Here();
        return LongToken(NumberToken(), at);
    }

    private long LongToken(string token, int at)
        => long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Error(at, $"expected an integer, found '{token}'");

    /// <summary>A number as written (<c>-1.5E-05</c>, <c>NaN:0x7fc00001</c>, <c>-Infinity</c>), read by the caller.</summary>
    private string NumberToken()
    {
        int start = Here();
        while (_pos < _text.Length && (char.IsLetterOrDigit(_text[_pos]) || _text[_pos] is '+' or '-' or '.' or ':' or '_'))
        {
            _pos++;
        }
        return _pos > start ? _text[start.._pos] : throw Error(start, $"expected a number, found {Found()}");
    }

    /// <summary>A name, bare or quoted (<c>""</c> is the omitted optional input).</summary>
    private string Name(string what)
    {
        int at = Here();
        if (Peek('"'))
        {
            return QuotedString();
        }
        int length = GraphTextSyntax.BareLength(_text, at);
        if (length == 0)
        {
            throw Error(at, $"expected {what}, found {Found()}");
        }
        _pos += length;
        return _text.Substring(at, length);
    }

    private string QuotedString()
    {
        int start = Here();
        Expect('"');
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length || _text[_pos] is '\n' or '\r')
            {
                throw Error(start, "unterminated string");
            }
            char c = _text[_pos++];
            if (c == '"')
            {
                return sb.ToString();
            }
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }
            int escape = _pos - 1;
            char e = _pos < _text.Length ? _text[_pos++] : ' ';
            switch (e)
            {
                case '"' or '\\': sb.Append(e); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u' when _pos + 4 <= _text.Length && ushort.TryParse(_text.AsSpan(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code):
                    sb.Append((char)code);
                    _pos += 4;
                    break;
                default: throw Error(escape, "unknown escape: a string may use \\\" \\\\ \\n \\r \\t and \\uXXXX");
            }
        }
    }

    private void Define(string value, int at)
    {
        if (_definedAt.TryGetValue(value, out var previous))
        {
            throw Error(at, $"'{value}' is already defined at {Position(previous)}");
        }
        _definedAt[value] = at;
    }

    private string Use(string value, int at)
        => value.Length == 0 || _definedAt.ContainsKey(value) ? value : throw Error(at, $"'{value}' is read before it is defined");

    private void Keyword(string word)
    {
        int at = Here();
        if (PeekWord() != word)
        {
            throw Error(at, $"expected '{word}', found {Found()}");
        }
        _pos += word.Length;
    }

    /// <summary>The bare word at the cursor, not consumed; null before anything else (a quoted name is never a keyword).</summary>
    private string? PeekWord()
    {
        int at = Here();
        int length = GraphTextSyntax.BareLength(_text, at);
        return length == 0 ? null : _text.Substring(at, length);
    }

    private void Expect(char c)
    {
        if (!TryChar(c))
        {
            throw Error(_pos, $"expected '{c}', found {Found()}");
        }
    }

    private bool TryChar(char c)
    {
        if (Peek(c))
        {
            _pos++;
            return true;
        }
        return false;
    }

    private bool TryText(string text)
    {
        SkipTrivia();
        if (string.CompareOrdinal(_text, _pos, text, 0, text.Length) == 0)
        {
            _pos += text.Length;
            return true;
        }
        return false;
    }

    private bool Peek(char c) => Here() < _text.Length && _text[_pos] == c;

    /// <summary>Skips blanks and comments, and returns the offset of what follows.</summary>
    private int Here()
    {
        SkipTrivia();
        return _pos;
    }

    private void SkipTrivia()
    {
        while (_pos < _text.Length)
        {
            if (char.IsWhiteSpace(_text[_pos]))
            {
                _pos++;
            }
            else if (_text[_pos] == '/' && _pos + 1 < _text.Length && _text[_pos + 1] == '/')
            {
                while (_pos < _text.Length && _text[_pos] != '\n')
                {
                    _pos++;
                }
            }
            else
            {
                return;
            }
        }
    }

    private string Found()
    {
        if (_pos >= _text.Length)
        {
            return "the end of the text";
        }
        int length = Math.Max(1, GraphTextSyntax.BareLength(_text, _pos));
        return $"'{_text.Substring(_pos, Math.Min(length, 24))}'";
    }

    private string Position(int offset)
    {
        int line = 1, lineStart = 0;
        for (int i = 0; i < offset && i < _text.Length; i++)
        {
            if (_text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }
        return $"line {line}, column {offset - lineStart + 1}";
    }

    private ModelException Error(int offset, string message) => new($"IR text, {Position(offset)}: {message}");
}
