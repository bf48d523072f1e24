using Google.Protobuf;
using WasmGraph.Abstractions;
using WasmGraph.Onnx.Proto;

namespace WasmGraph.Onnx;

/// <summary>Parses a whole <c>.onnx</c> file into the generated <see cref="ModelProto"/>, bounded against hostile bytes.</summary>
public static class OnnxModelFile
{
    /// <summary>
    /// Parses the protobuf, turning every way it can fail on bad bytes into one clear <see cref="ModelException"/> naming
    /// <paramref name="file"/>. The parser is bounded by the stream's real length (so a field claiming gigabytes fails
    /// as truncated instead of being allocated) and by <paramref name="maxMessageDepth"/> (so deeply nested messages
    /// cannot exhaust the stack).
    /// </summary>
    public static ModelProto Parse(Stream stream, string file, int maxMessageDepth)
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
            var input = CodedInputStream.CreateWithLimits(stream, (int)remaining, maxMessageDepth);
            model = ModelProto.Parser.ParseFrom(input);
        }
        catch (Exception e) when (IsMalformedInput(e))
        {
            throw new ModelException($"not a valid ONNX model ({e.Message})", file: file, inner: e);
        }
        if (model.Graph is null)
        {
            throw new ModelException("not a valid ONNX model (it has no graph)", file: file);
        }
        return model;
    }

    /// <summary>
    /// The exceptions Google.Protobuf throws on malformed bytes: its own, and the argument, state and range errors that
    /// some corruptions (a negative length, a bad UTF-8 or enum value deep in a message) surface as.
    /// </summary>
    public static bool IsMalformedInput(Exception e)
        => e is InvalidProtocolBufferException or ArgumentException or InvalidOperationException or OverflowException or IndexOutOfRangeException;
}
