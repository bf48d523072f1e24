using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Frontends.Onnx.Import;
using WasmGraph.Onnx;

namespace WasmGraph.Frontends.Onnx;

/// <summary>
/// Reads <c>.onnx</c> files into the canonical IR (see docs/ir.md). Every problem with the file surfaces as a
/// <see cref="ModelException"/> naming the file, so the CLI can report it without a stack trace.
/// </summary>
public sealed class OnnxFrontend : IFrontend
{
    private readonly ImportLimits _limits;

    public OnnxFrontend() : this(ImportLimits.Default) { }

    /// <summary>A frontend applying <paramref name="limits"/> instead of the defaults (tests, embedders with tighter budgets).</summary>
    public OnnxFrontend(ImportLimits limits) => _limits = limits;

    public string Name => "onnx";

    public string Description => "ONNX models (opsets 7-17 of the default domain), imported into canonical IR ops";

    public IReadOnlyList<string> Extensions { get; } = [".onnx"];

    public bool CanLoad(string path) => string.Equals(Path.GetExtension(path), ".onnx", StringComparison.OrdinalIgnoreCase);

    public Graph Load(Stream stream, FrontendOptions options)
    {
        var model = OnnxModelFile.Parse(stream, options.SourceName, _limits.MaxMessageDepth);
        return new OnnxImporter(model, options, _limits).Import();
    }
}
