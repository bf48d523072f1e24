using WasmGraph.Abstractions;

namespace WasmGraph.Host.IO;

/// <summary>
/// Every file the host reads goes through here: it must exist, be a regular file (after symbolic links), and be no
/// larger than a limit for its kind, all checked before it is opened. A device (<c>/dev/zero</c> never ends), a FIFO
/// (opening one for reading blocks until a writer appears), a socket or a directory is refused with exit 2 naming the
/// flag and the path. Reads stop at the limit even when the size on disk lied (<c>/proc</c> files report 0 bytes, a
/// file may grow while we read it), so no file makes the host allocate more than its limit.
/// </summary>
public static class InputFile
{
    /// <summary>
    /// A module is read into one array and handed to the runtime whole; .NET arrays end just below 2 GiB, which is also
    /// half of what a wasm32 module can address at all (4 GiB), so no module we can run is refused by this.
    /// </summary>
    public const long ModuleMaxBytes = 0x7FFFFFC7; // Array.MaxLength

    /// <summary>Protobuf, and so ONNX, cannot encode a message of 2 GiB or more; the ONNX frontend has the same limit.</summary>
    public const long OnnxMaxBytes = (2L << 30) - 1;

    /// <summary>A .npy file's data becomes one array too; its header's declared size is checked against this before reading.</summary>
    public const long NpyMaxBytes = ModuleMaxBytes;

    /// <summary>
    /// An encoded photo: a 200-megapixel camera JPEG is about 60 MB and a lossless 64-megapixel PNG at most ~256 MB; the
    /// decoded size is bounded separately (<see cref="ImageLoader.MaxPixels"/>).
    /// </summary>
    public const long ImageMaxBytes = 256L << 20;

    /// <summary>A labels file: ImageNet's 1000 classes take 21 KB; 16 MiB is a million long labels.</summary>
    public const long LabelsMaxBytes = 16L << 20;

    /// <summary>A JSON config file (--config): ours are a few KB.</summary>
    public const long ConfigMaxBytes = 16L << 20;

    /// <summary>
    /// Checks that <paramref name="path"/> is an existing regular file of at most <paramref name="maxBytes"/> bytes;
    /// <paramref name="what"/> names it in messages ("--image", "module", "--reference"). Use this before handing a path
    /// to code that opens it itself (ONNX Runtime, the configuration system, a frontend).
    /// </summary>
    public static FileStatus Require(string path, string what, long maxBytes)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new WasmGraphException($"{what}: the path is empty");
        }
        var status = FileStatus.Of(path);
        switch (status.Kind)
        {
            case FileKind.Missing:
                throw new WasmGraphException($"{what} not found: {Path.GetFullPath(path)}");
            case FileKind.Regular:
                break;
            case FileKind.Inaccessible:
                throw new WasmGraphException($"{what} {path}: cannot read it: {status.Problem}");
            default:
                throw new WasmGraphException($"{what} {path}: is {status.Describe()}, not a regular file");
        }
        if (status.Size > maxBytes)
        {
            throw new WasmGraphException($"{what} {path}: {status.Size:N0} bytes is more than the limit of {maxBytes:N0} bytes");
        }
        return status;
    }

    /// <summary>Opens a checked regular file for reading (see <see cref="Require"/>).</summary>
    public static FileStream OpenRead(string path, string what, long maxBytes)
    {
        Require(path, what, maxBytes);
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WasmGraphException($"{what} {path}: cannot read it: {e.Message}", e);
        }
    }

    /// <summary>All bytes of a checked regular file, never more than <paramref name="maxBytes"/>, even if the file grows.</summary>
    public static byte[] ReadAllBytes(string path, string what, long maxBytes)
    {
        using var stream = OpenRead(path, what, maxBytes);
        return ReadBounded(stream, path, what, maxBytes);
    }

    /// <summary>The lines of a checked regular UTF-8 text file of at most <paramref name="maxBytes"/> bytes.</summary>
    public static string[] ReadAllLines(string path, string what, long maxBytes)
    {
        var bytes = ReadAllBytes(path, what, maxBytes);
        using var reader = new StreamReader(new MemoryStream(bytes), detectEncodingFromByteOrderMarks: true);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }
        return lines.ToArray();
    }

    private static byte[] ReadBounded(FileStream stream, string path, string what, long maxBytes)
    {
        // Start from the size on disk (exact for ordinary files) and grow only if the file turns out longer.
        long expected = Math.Min(stream.Length, maxBytes);
        var buffer = new MemoryStream((int)Math.Min(expected, ModuleMaxBytes));
        var chunk = new byte[1 << 20];
        try
        {
            int read;
            while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    throw new WasmGraphException($"{what} {path}: longer than the limit of {maxBytes:N0} bytes");
                }
                buffer.Write(chunk, 0, read);
            }
        }
        catch (IOException e)
        {
            throw new WasmGraphException($"{what} {path}: cannot read it: {e.Message}", e);
        }
        return buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
    }
}
