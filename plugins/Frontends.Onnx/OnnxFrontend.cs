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
    public string Name => "onnx";

    public string Description => "ONNX models (opsets 7-17 of the default domain), imported into canonical IR ops";

    public bool CanLoad(string path) => string.Equals(Path.GetExtension(path), ".onnx", StringComparison.OrdinalIgnoreCase);

    public Graph Load(Stream stream, FrontendOptions options)
    {
        var model = Parse(stream, options.SourceName);
        return new OnnxImporter(model, options).Import();
    }

    /// <summary>Parses the protobuf, turning every way it can fail on bad bytes into one clear message.</summary>
    private static ModelProto Parse(Stream stream, string file)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(stream);
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
