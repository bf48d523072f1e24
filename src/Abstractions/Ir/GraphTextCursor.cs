using System.Globalization;
using System.Text;

namespace WasmGraph.Abstractions.Ir;

/// <summary>
/// The token level of <see cref="GraphTextParser"/>: a position in the text, blanks and <c>//</c> comments skipped
/// before every token, names, strings and number tokens read, and errors that name the line and column.
/// </summary>
internal sealed class GraphTextCursor(string text)
{
    private readonly string _text = text;
    private int _pos;

    /// <summary>The offset of the next character (set it to go back, as a node line does after a look-ahead).</summary>
    public int Position
    {
        get => _pos;
        set => _pos = value;
    }

    public bool AtEnd() => Here() >= _text.Length;

    public long Long()
    {
        int at = Here();
        return LongToken(NumberToken(), at);
    }

    public long LongToken(string token, int at)
        => long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Error(at, $"expected an integer, found '{token}'");

    /// <summary>A number as written (<c>-1.5E-05</c>, <c>NaN:0x7fc00001</c>, <c>-Infinity</c>), read by the caller.</summary>
    public string NumberToken()
    {
        int start = Here();
        while (_pos < _text.Length && (char.IsLetterOrDigit(_text[_pos]) || _text[_pos] is '+' or '-' or '.' or ':' or '_'))
        {
            _pos++;
        }
        return _pos > start ? _text[start.._pos] : throw Error(start, $"expected a number, found {Found()}");
    }

    /// <summary>A name, bare or quoted (<c>""</c> is the omitted optional input).</summary>
    public string Name(string what)
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

    public string QuotedString()
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

    public void Keyword(string word)
    {
        int at = Here();
        if (PeekWord() != word)
        {
            throw Error(at, $"expected '{word}', found {Found()}");
        }
        _pos += word.Length;
    }

    /// <summary>The bare word at the cursor, not consumed; null before anything else (a quoted name is never a keyword).</summary>
    public string? PeekWord()
    {
        int at = Here();
        int length = GraphTextSyntax.BareLength(_text, at);
        return length == 0 ? null : _text.Substring(at, length);
    }

    public void Expect(char c)
    {
        if (!TryChar(c))
        {
            throw Error(_pos, $"expected '{c}', found {Found()}");
        }
    }

    public bool TryChar(char c)
    {
        if (Peek(c))
        {
            _pos++;
            return true;
        }
        return false;
    }

    public bool TryText(string literal)
    {
        SkipTrivia();
        if (string.CompareOrdinal(_text, _pos, literal, 0, literal.Length) == 0)
        {
            _pos += literal.Length;
            return true;
        }
        return false;
    }

    public bool Peek(char c) => Here() < _text.Length && _text[_pos] == c;

    /// <summary>Skips blanks and comments, and returns the offset of what follows.</summary>
    public int Here()
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

    public string Found()
    {
        if (_pos >= _text.Length)
        {
            return "the end of the text";
        }
        int length = Math.Max(1, GraphTextSyntax.BareLength(_text, _pos));
        return $"'{_text.Substring(_pos, Math.Min(length, 24))}'";
    }

    public string LineAndColumn(int offset)
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

    public ModelException Error(int offset, string message) => new($"IR text, {LineAndColumn(offset)}: {message}");
}
