using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace WasmGraph.Host.Plugins;

/// <summary>
/// What a component's config name may be: kebab-case as <see cref="Abstractions.Plugins.IComponent"/> documents and
/// every built-in follows ("fold-constants", "llvm-wasm"): lower-case ASCII letters and digits in words joined by single
/// hyphens, starting with a letter, at most <see cref="MaxLength"/> characters. Names are typed in configs, flags and
/// environment variables, and printed in reports, so an empty, blank, control-character or look-alike name is refused.
/// </summary>
public static partial class ComponentNames
{
    public const int MaxLength = 64;

    /// <summary>Why <paramref name="name"/> is not a valid component name, or null if it is.</summary>
    public static string? Problem(string? name)
    {
        if (name is null)
        {
            return "it is null";
        }
        if (name.Length == 0)
        {
            return "it is empty";
        }
        if (name.Length > MaxLength)
        {
            return $"it has {name.Length} characters, more than {MaxLength}";
        }
        return KebabCase().IsMatch(name)
            ? null
            : $"'{Printable(name)}' is not kebab-case (lower-case letters and digits in words joined by single hyphens, " +
              "starting with a letter, like 'fold-constants')";
    }

    /// <summary><paramref name="text"/> with control and other invisible characters written as \uXXXX, for messages.</summary>
    internal static string Printable(string text)
    {
        var result = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (char.IsControl(c) || char.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                result.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                result.Append(c);
            }
        }
        return result.ToString();
    }

    // \z, not $: $ would also accept a name ending in a newline.
    [GeneratedRegex(@"^[a-z][a-z0-9]*(-[a-z0-9]+)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex KebabCase();
}
