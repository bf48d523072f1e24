using System.Globalization;
using System.Text;

namespace WasmGraph.Host.Cli;

/// <summary>Human-readable numbers for tables and summaries, and untrusted text made safe to print.</summary>
public static class Format
{
    /// <summary>The longest untrusted string <see cref="Untrusted"/> prints whole; a 300-character name is cut here.</summary>
    public const int UntrustedMaxLength = 160;

    /// <summary>
    /// A string that came from a model, a module, a file name or a plugin, made safe for a terminal: every control
    /// character (C0, DEL, C1, and the bidirectional overrides that reorder what a reader sees) becomes a visible escape
    /// such as <c>\x1b</c>, so a name cannot start an ANSI/OSC sequence, move the cursor, retitle the window or hide
    /// text; and a string longer than <paramref name="maxLength"/> is cut with its length noted, so one name cannot
    /// flood a table. Markup escaping (<c>[</c>) is a separate concern: callers still use <c>Markup.Escape</c>.
    /// </summary>
    public static string Untrusted(string? text, int maxLength = UntrustedMaxLength)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }
        var cut = text.Length > maxLength ? CutAt(text, maxLength) : text;
        var safe = EscapeControls(cut, keepNewlines: false);
        return cut.Length < text.Length ? $"{safe}… ({Count(text.Length)} chars)" : safe;
    }

    /// <summary><see cref="Untrusted"/> text escaped for Spectre markup: what a table cell or markup line shows of a name.</summary>
    public static string UntrustedMarkup(string? text, int maxLength = UntrustedMaxLength)
        => Spectre.Console.Markup.Escape(Untrusted(text, maxLength));

    /// <summary>
    /// Text for an error or warning line: control characters escaped as in <see cref="Untrusted"/> but line breaks kept,
    /// and not shortened, because a message is ours and may list many names. The error reporter's backstop for
    /// messages that quote a model's or module's strings.
    /// </summary>
    public static string ControlFree(string? text) => string.IsNullOrEmpty(text) ? "" : EscapeControls(text, keepNewlines: true);

    /// <summary>True for a character that a terminal acts on instead of showing (see <see cref="Untrusted"/>).</summary>
    public static bool IsUnsafeForTerminal(char c)
        => char.IsControl(c) // C0 (U+0000–U+001F), DEL (U+007F) and C1 (U+0080–U+009F, e.g. U+009B, a one-byte CSI)
           || c is >= '\u202A' and <= '\u202E' // LRE, RLE, PDF, LRO, RLO
           || c is >= '\u2066' and <= '\u2069' // LRI, RLI, FSI, PDI
           || c is '\u200E' or '\u200F' or '\u061C'; // LRM, RLM, ALM

    private static string EscapeControls(string text, bool keepNewlines)
    {
        if (!text.Any(IsUnsafeForTerminal))
        {
            return text;
        }
        var builder = new StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            if (keepNewlines && c == '\n')
            {
                builder.Append(c);
            }
            else if (!IsUnsafeForTerminal(c))
            {
                builder.Append(c);
            }
            else if (c <= '\u00FF')
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
            else
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
        }
        return builder.ToString();
    }

    /// <summary>The first <paramref name="length"/> characters, one fewer if that would split a surrogate pair.</summary>
    private static string CutAt(string text, int length)
        => char.IsHighSurrogate(text[length - 1]) ? text[..(length - 1)] : text[..length];

    public static string Bytes(long bytes) => Abstractions.ByteCount.Describe(bytes);

    public static string Ms(double milliseconds)
        => milliseconds.ToString(milliseconds < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " ms";

    public static string Number(double value)
        => double.IsFinite(value) && Math.Abs(value) is (>= 1e-3 and < 1e6) or 0.0
            ? value.ToString("0.######", CultureInfo.InvariantCulture)
            : value.ToString("0.####e+0", CultureInfo.InvariantCulture);

    public static string Shape(IEnumerable<long> dims) => "[" + string.Join(",", dims) + "]";

    /// <summary>A bounded tensor's shape, each data-dependent axis as "≤bound": "[≤6,3]".</summary>
    public static string Shape(IEnumerable<long> dims, IReadOnlyCollection<int>? dynamicAxes)
        => dynamicAxes is null or { Count: 0 } ? Shape(dims) : "[" + string.Join(",", dims.Select((d, i) => dynamicAxes.Contains(i) ? $"≤{d}" : $"{d}")) + "]";

    /// <summary>"6 kFLOP", "4.09 GFLOP": scaled so tiny test models and real CNNs both read as numbers, not "0".</summary>
    public static string Flops(double flops)
    {
        string[] units = ["FLOP", "kFLOP", "MFLOP", "GFLOP", "TFLOP"];
        int unit = 0;
        while (Math.Abs(flops) >= 1000 && unit < units.Length - 1)
        {
            flops /= 1000;
            unit++;
        }
        return flops.ToString(unit == 0 ? "0" : "0.##", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
