using System.Globalization;
using System.Text;

namespace WasmGraph.Abstractions.Ir;

/// <summary>
/// The lexical pieces of the IR text format (docs/ir.md, "Text format") that the printer writes and the parser reads:
/// names, string literals and one element of each type. Kept in one place so that what is printed is exactly what
/// parses back.
/// </summary>
internal static class GraphTextSyntax
{
    /// <summary>
    /// Words that begin an item of a graph body; a name spelled like one is printed quoted, so that a line starting
    /// with it is a node. Nothing else needs quoting: a name never stands where a number or an attribute value does.
    /// </summary>
    public static readonly IReadOnlySet<string> Keywords = new HashSet<string>(StringComparer.Ordinal) { "meta", "const", "return", "memory" };

    /// <summary>
    /// Characters of an unquoted name: letters, digits and <c>_ . / - @ $</c>, plus <c>:</c> when another name
    /// character follows (<c>onnx::Conv_12</c>), so that the <c>: </c> before a type is never part of a name.
    /// </summary>
    public static bool IsNameChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '.' or '/' or '-' or '@' or '$';

    /// <summary>The length of the unquoted name (or word) starting at <paramref name="start"/>; 0 if there is none.</summary>
    public static int BareLength(string text, int start)
    {
        int i = start;
        while (i < text.Length && (IsNameChar(text[i]) || (text[i] == ':' && i > start && i + 1 < text.Length && (IsNameChar(text[i + 1]) || text[i + 1] == ':'))))
        {
            i++;
        }
        while (i > start && text[i - 1] == ':')
        {
            i--; // "a::" ends at its colons: they belong to what follows
        }
        return i - start;
    }

    /// <summary>A name as printed: bare when it reads back as itself, otherwise a string literal.</summary>
    public static string Name(string name)
        => name.Length > 0 && BareLength(name, 0) == name.Length && !Keywords.Contains(name)
           && !name.StartsWith("//", StringComparison.Ordinal) ? name : Quote(name); // "//" would start a comment

    /// <summary>A string literal: <c>\" \\ \n \r \t</c>, and <c>\uXXXX</c> for other control characters and lone surrogates.</summary>
    public static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            bool pairedSurrogate = char.IsHighSurrogate(c) ? i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])
                                 : char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(value[i - 1]);
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(c) || (char.IsSurrogate(c) && !pairedSurrogate))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>
    /// A float attribute: the shortest text that reads back as the same bits, with ".0" added when it would
    /// otherwise read as an int (<c>1.0</c>, <c>-0.0</c>, <c>1E-05</c>, <c>NaN</c>, <c>-Infinity</c>).
    /// </summary>
    public static string FloatAttribute(float value)
    {
        var text = Float32(value);
        return text.All(c => char.IsDigit(c) || c == '-') ? text + ".0" : text;
    }

    /// <summary>Whether a number token is written as a float rather than an int (see <see cref="FloatAttribute"/>).</summary>
    public static bool IsFloatToken(string token) => token.IndexOfAny(['.', 'e', 'E', 'N', 'I']) >= 0;

    // NaN is printed "NaN" or "-NaN" for the quiet NaN without payload, otherwise "NaN:0x<bits>" with every bit, so
    // that a payload survives the round trip. Infinity is .NET's "Infinity"; every other value is the shortest "R" text.
    private const uint Float32QuietNaN = 0x7FC00000;
    private const ulong Float64QuietNaN = 0x7FF8000000000000;
    private const ushort Float16QuietNaN = 0x7E00;
    private const ushort BFloat16QuietNaN = 0x7FC0;

    public static string Float32(float value)
        => float.IsNaN(value) ? NaN(BitConverter.SingleToUInt32Bits(value), Float32QuietNaN, 0x80000000u) : value.ToString("R", CultureInfo.InvariantCulture);

    public static string Float64(double value)
        => double.IsNaN(value) ? NaN(BitConverter.DoubleToUInt64Bits(value), Float64QuietNaN, 0x8000000000000000ul) : value.ToString("R", CultureInfo.InvariantCulture);

    public static string Half(ushort bits, DataType format)
    {
        double value = HalfFloats.ToDouble(bits, format);
        if (double.IsNaN(value))
        {
            return NaN(bits, format == DataType.Float16 ? Float16QuietNaN : BFloat16QuietNaN, 0x8000u);
        }
        // bfloat16 values are float32 values, so float32's shortest text names exactly one of them.
        return format == DataType.Float16
            ? BitConverter.UInt16BitsToHalf(bits).ToString("R", CultureInfo.InvariantCulture)
            : ((float)value).ToString("R", CultureInfo.InvariantCulture);
    }

    private static string NaN<T>(T bits, T quiet, T sign) where T : struct, System.Numerics.IBinaryInteger<T>
        => bits == quiet ? "NaN" : bits == (quiet | sign) ? "-NaN" : "NaN:0x" + bits.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>Whether <paramref name="bits"/> are a NaN of <paramref name="format"/> (all exponent bits set, a mantissa bit too).</summary>
    public static bool IsNaN(ulong bits, DataType format) => format switch
    {
        DataType.Float32 => float.IsNaN(BitConverter.UInt32BitsToSingle((uint)bits)),
        DataType.Float64 => double.IsNaN(BitConverter.UInt64BitsToDouble(bits)),
        _ => double.IsNaN(HalfFloats.ToDouble((ushort)bits, format)),
    };

    /// <summary>Reads a float of <paramref name="format"/> as its bit pattern, or null if the token is not one.</summary>
    public static ulong? ParseFloatBits(string token, DataType format)
    {
        var (quiet, sign) = format switch
        {
            DataType.Float32 => ((ulong)Float32QuietNaN, 0x80000000ul),
            DataType.Float64 => (Float64QuietNaN, 0x8000000000000000ul),
            DataType.Float16 => (Float16QuietNaN, 0x8000ul),
            _ => ((ulong)BFloat16QuietNaN, 0x8000ul),
        };
        if (token == "NaN")
        {
            return quiet;
        }
        if (token == "-NaN")
        {
            return quiet | sign;
        }
        if (token.StartsWith("NaN:0x", StringComparison.Ordinal))
        {
            return ulong.TryParse(token.AsSpan(6), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var raw) ? raw : null;
        }
        if (token.Length == 0 || !(char.IsDigit(token[0]) || token[0] is '-' or '+' or '.' or 'I'))
        {
            return null; // double.Parse would also accept "∞" and surrounding blanks, which the format does not
        }
        if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var asDouble))
        {
            return null;
        }
        return format switch
        {
            DataType.Float64 => BitConverter.DoubleToUInt64Bits(asDouble),
            // Parsed again at the target width: rounding once from the text, not twice through double.
            DataType.Float32 => BitConverter.SingleToUInt32Bits(float.Parse(token, NumberStyles.Float, CultureInfo.InvariantCulture)),
            DataType.Float16 => BitConverter.HalfToUInt16Bits(System.Half.Parse(token, NumberStyles.Float, CultureInfo.InvariantCulture)),
            _ => HalfFloats.FromDouble(asDouble, DataType.BFloat16),
        };
    }
}
