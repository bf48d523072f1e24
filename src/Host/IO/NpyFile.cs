using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Host.Pipeline;

namespace WasmGraph.Host.IO;

/// <summary>
/// Reads and writes NumPy <c>.npy</c> files (format 1.0, 2.0 and 3.0 headers; little-endian, C order), the lingua franca
/// for tensors between WasmGraph, NumPy and other tools. Errors are <see cref="WasmGraphException"/>s naming the file.
/// See https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html for the format.
/// NumPy has no bfloat16 dtype: a bfloat16 tensor is written as <c>&lt;u2</c> holding its bits, and
/// <see cref="AsDeclared"/> reads such a file back for a bfloat16 input (docs/abi.md).
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>NumPy descr (without the byte-order character) for each element type.</summary>
    private static readonly (string Descr, DataType Type)[] Descrs =
    [
        ("f4", DataType.Float32), ("f8", DataType.Float64), ("f2", DataType.Float16), ("i8", DataType.Int64), ("i4", DataType.Int32),
        ("i2", DataType.Int16), ("i1", DataType.Int8), ("u8", DataType.UInt64), ("u4", DataType.UInt32), ("u2", DataType.UInt16),
        ("u1", DataType.UInt8), ("b1", DataType.Bool),
    ];

    private static readonly string SupportedList = string.Join(", ", Descrs.Select(d => (d.Type.SizeOf() == 1 ? "|" : "<") + d.Descr));

    /// <summary>
    /// <paramref name="tensor"/> as the type a model input declares, when the file may hold it: the same type, or
    /// uint16 bits for a bfloat16 input (the one type .npy cannot name). Null when they do not match.
    /// </summary>
    public static TensorData? AsDeclared(TensorData tensor, TensorType declared)
    {
        if (tensor.Type == declared)
        {
            return tensor;
        }
        bool bfloat16Bits = declared.ElementType == DataType.BFloat16 && tensor.Type.ElementType == DataType.UInt16 && tensor.Type.Shape == declared.Shape;
        return bfloat16Bits ? new TensorData(declared, tensor.Bytes.ToArray()) : null;
    }

    /// <summary>
    /// Longest header read. NumPy's own <c>np.load</c> refuses headers over 10,000 bytes unless told otherwise
    /// (<c>max_header_size</c>); ours hold only descr, fortran_order and a shape, so 64 KiB (the whole format 1.0 range)
    /// is generous and keeps a lying length field from costing more than that.
    /// </summary>
    public const int MaxHeaderBytes = 1 << 16;

    /// <summary>Highest rank accepted: NumPy's own maximum (NPY_MAXDIMS is 64 since NumPy 2.0).</summary>
    public const int MaxRank = 64;

    /// <summary>Reads one array from a file, which must be a regular file (<see cref="InputFile"/>).</summary>
    public static TensorData Read(string path)
    {
        using var stream = InputFile.OpenRead(path, ".npy file", InputFile.NpyMaxBytes + MaxHeaderBytes + 12);
        return Read(stream, path);
    }

    /// <summary>
    /// Reads one array; <paramref name="name"/> is used in error messages. Every problem with the bytes is a
    /// <see cref="WasmGraphException"/>, and nothing is allocated beyond the header limit until the declared data size
    /// has been checked against <see cref="InputFile.NpyMaxBytes"/> and, for a seekable stream, against what is left in it.
    /// </summary>
    public static TensorData Read(Stream stream, string name)
    {
        var prefix = new byte[8];
        if (stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) < 8 || !prefix.AsSpan(0, 6).SequenceEqual(Magic))
        {
            throw new WasmGraphException($"{name}: not a .npy file (bad magic)");
        }
        int major = prefix[6];
        int lengthBytes = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw new WasmGraphException($"{name}: unsupported .npy format version {major}.{prefix[7]}"),
        };
        var lengthField = new byte[lengthBytes];
        ReadExactly(stream, lengthField, name, "header length");
        long headerLength = lengthBytes == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(lengthField) : BinaryPrimitives.ReadUInt32LittleEndian(lengthField);
        if (headerLength > MaxHeaderBytes)
        {
            throw new WasmGraphException($"{name}: .npy header length {headerLength} is over the limit of {MaxHeaderBytes} bytes");
        }
        var headerBytes = new byte[headerLength];
        ReadExactly(stream, headerBytes, name, "header");
        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
        var (type, shape) = ParseHeader(header, name);

        long byteSize = DeclaredByteSize(type, shape, name);
        if (stream.CanSeek && stream.Length - stream.Position < byteSize)
        {
            throw new WasmGraphException($"{name}: truncated .npy data: {Describe(type, shape)} needs {byteSize:N0} bytes, the file has {Math.Max(0, stream.Length - stream.Position):N0}");
        }
        var tensorType = new TensorType(type, new Shape(shape));
        return new TensorData(tensorType, ReadData(stream, byteSize, $"{name}: truncated .npy data: {tensorType} needs {byteSize:N0} bytes"));
    }

    /// <summary>
    /// Exactly <paramref name="byteSize"/> bytes. A seekable stream was checked to hold them, so one array is allocated;
    /// any other stream is read in chunks, so memory follows the bytes that really arrive, not the header's claim.
    /// </summary>
    private static byte[] ReadData(Stream stream, long byteSize, string truncated)
    {
        const int Chunk = 16 << 20;
        if (stream.CanSeek || byteSize <= Chunk)
        {
            var data = new byte[byteSize];
            return stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false) == data.Length ? data : throw new WasmGraphException(truncated);
        }
        var received = new MemoryStream();
        var buffer = new byte[Chunk];
        while (received.Length < byteSize)
        {
            int read = stream.Read(buffer, 0, (int)Math.Min(Chunk, byteSize - received.Length));
            if (read == 0)
            {
                throw new WasmGraphException(truncated);
            }
            received.Write(buffer, 0, read);
        }
        return received.ToArray();
    }

    /// <summary>
    /// The data size a header declares, computed without overflow and refused above <see cref="InputFile.NpyMaxBytes"/>.
    /// The non-zero dimensions alone must stay within the limit too, so an empty array such as (2^40, 2^40, 0) cannot
    /// overflow the element count that later code computes in order.
    /// </summary>
    private static long DeclaredByteSize(DataType type, long[] dims, string name)
    {
        Int128 bytes = type.SizeOf();
        foreach (var d in dims.Where(d => d != 0))
        {
            bytes *= d; // each d < 2^63 and the product is checked after every step, so Int128 cannot overflow
            if (bytes > InputFile.NpyMaxBytes)
            {
                throw new WasmGraphException(
                    $"{name}: .npy header declares {Describe(type, dims)}, more than the limit of {InputFile.NpyMaxBytes:N0} bytes for one array");
            }
        }
        return dims.Contains(0) ? 0 : (long)bytes;
    }

    private static string Describe(DataType type, long[] dims) => $"{type.Name()}[{string.Join(",", dims)}]";

    /// <summary>Writes atomically (<see cref="AtomicFile"/>): a reader never sees half an array, an interrupted run leaves none.</summary>
    public static void Write(string path, TensorData tensor) => AtomicFile.Write(path, stream => Write(stream, tensor));

    public static void Write(Stream stream, TensorData tensor)
    {
        var stored = tensor.Type.ElementType == DataType.BFloat16 ? DataType.UInt16 : tensor.Type.ElementType; // its bits
        var descr = Descrs.First(d => d.Type == stored).Descr;
        var order = stored.SizeOf() == 1 ? "|" : "<";
        var dims = tensor.Type.Shape.Dims;
        var shape = dims.Length == 1 ? $"({dims[0]},)" : $"({string.Join(", ", dims)})";
        var dict = $"{{'descr': '{order}{descr}', 'fortran_order': False, 'shape': {shape}, }}";

        // Pad with spaces so that magic + version + length + header is a multiple of 64 and ends in '\n'.
        int version = dict.Length + 1 + 10 + 64 <= ushort.MaxValue ? 1 : 2;
        int prefixLength = version == 1 ? 10 : 12;
        int total = (prefixLength + dict.Length + 1 + 63) / 64 * 64;
        var header = dict.PadRight(total - prefixLength - 1) + "\n";

        stream.Write(Magic);
        stream.WriteByte((byte)version);
        stream.WriteByte(0);
        Span<byte> length = stackalloc byte[4];
        if (version == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
            stream.Write(length[..2]);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)header.Length);
            stream.Write(length);
        }
        stream.Write(Encoding.Latin1.GetBytes(header));
        stream.Write(tensor.Bytes);
    }

    internal static (DataType Type, long[] Dims) ParseHeader(string header, string name)
    {
        var descr = DescrPattern().Match(header);
        var fortran = FortranPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !fortran.Success || !shape.Success)
        {
            throw new WasmGraphException($"{name}: malformed .npy header: {header.Trim()}");
        }
        if (fortran.Groups[1].Value == "True")
        {
            throw new WasmGraphException($"{name}: Fortran-order arrays are not supported; save with np.ascontiguousarray(a)");
        }
        var text = descr.Groups[1].Value;
        if (text.Length < 2 || text[0] == '>' || (text[0] is not ('<' or '|' or '=')))
        {
            throw new WasmGraphException($"{name}: dtype '{text}' is not supported (need little-endian: {SupportedList})");
        }
        var match = Descrs.FirstOrDefault(d => d.Descr == text[1..]);
        if (match.Descr is null)
        {
            throw new WasmGraphException($"{name}: dtype '{text}' is not supported (supported: {SupportedList}; bfloat16 as <u2 bits)");
        }
        var dims = new List<long>();
        foreach (var part in shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!long.TryParse(part.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out var d))
            {
                throw new WasmGraphException($"{name}: bad shape '({shape.Groups[1].Value})' in .npy header");
            }
            dims.Add(d);
            if (dims.Count > MaxRank)
            {
                throw new WasmGraphException($"{name}: .npy shape has more than {MaxRank} dimensions (NumPy's own limit)");
            }
        }
        return (match.Type, dims.ToArray());
    }

    private static void ReadExactly(Stream stream, byte[] buffer, string name, string what)
    {
        if (stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false) < buffer.Length)
        {
            throw new WasmGraphException($"{name}: truncated .npy {what}");
        }
    }

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
