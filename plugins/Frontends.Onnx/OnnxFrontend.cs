using Google.Protobuf;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Frontends.Onnx.Import;
using WasmGraph.Frontends.Onnx.Proto;

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
        var model = Parse(stream, options.SourceName, _limits);
        return new OnnxImporter(model, options, _limits).Import();
    }

    /// <summary>
    /// Parses the protobuf, turning every way it can fail on bad bytes into one clear message. The parser is bounded by
    /// the file's real length (so a field claiming gigabytes fails as truncated instead of being allocated) and by
    /// <see cref="ImportLimits.MaxMessageDepth"/> (so deeply nested messages cannot exhaust the stack).
    /// </summary>
    private static ModelProto Parse(Stream stream, string file, ImportLimits limits)
    {
        long remaining = stream.CanSeek ? stream.Length - stream.Position : int.MaxValue;
        if (remaining > int.MaxValue)
        {
            throw new ModelException(
                $"the file is {remaining} bytes; protobuf models are limited to 2 GiB (larger models keep weights in external data, which is not supported)",
                file: file);
        }
        ModelProto model;
        try
        {
            // Not disposed: disposing would close the caller's stream.
            var input = CodedInputStream.CreateWithLimits(stream, (int)remaining, limits.MaxMessageDepth);
            model = ModelProto.Parser.ParseFrom(input);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or ArgumentException or InvalidOperationException or OverflowException or IndexOutOfRangeException)
        {
            throw new ModelException($"not a valid ONNX model ({e.Message})", file: file, inner: e);
        }
        if (model.Graph is null)
        {
            throw new ModelException("not a valid ONNX model (it has no graph)", file: file);
        }
        return model;
    }
}
