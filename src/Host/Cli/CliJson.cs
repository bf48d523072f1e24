using System.Text.Json;
using System.Text.Json.Serialization;
using WasmGraph.Host.Hosting;

namespace WasmGraph.Host.Cli;

/// <summary>
/// The <c>--json</c> output of the verbs (docs/cli.md defines every document): one JSON document on standard output,
/// nothing else there; warnings and errors stay on standard error. Property names are camelCase; numbers that are
/// not finite are written as the strings "NaN", "Infinity" and "-Infinity"; absent optional fields are left out.
/// The default encoder escapes control and non-ASCII characters, so a name from a model cannot drive a terminal that
/// shows the document.
/// </summary>
public static class CliJson
{
    /// <summary>
    /// The version of every document's shape. Adding a field keeps it; removing, renaming or retyping one bumps it.
    /// </summary>
    public const int SchemaVersion = 1;

    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
    };

    /// <summary>
    /// Writes <paramref name="document"/> and a newline to standard output, past Spectre: its rendering would wrap lines
    /// at the console width and read square brackets as markup.
    /// </summary>
    public static void Write<T>(HostConsoles consoles, T document)
    {
        var writer = consoles.Out.Profile.Out.Writer;
        writer.Write(JsonSerializer.Serialize(document, Options));
        writer.Write('\n');
        writer.Flush();
    }
}
