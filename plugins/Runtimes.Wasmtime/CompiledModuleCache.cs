using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace WasmGraph.Runtimes.Wasmtime;

/// <summary>
/// A directory of compiled modules (Wasmtime's <c>Module.Serialize</c> output), keyed by the SHA-256 of the module
/// bytes and the engine tag. Deserializing is ~0.1 ms against tens of milliseconds to seconds of Cranelift compile.
/// <para>
/// Wasmtime deserializes native code without validating it, so garbage can crash the process. Each entry therefore
/// carries a SHA-256 of its payload, checked before the payload reaches Wasmtime; a mismatch deletes the entry. One
/// file per entry (header + payload) keeps the check and the payload consistent under a single atomic rename, so
/// concurrent writers of the same key both succeed and readers see either a whole old entry or a whole new one.
/// </para>
/// Entry layout: 8-byte magic <c>WGCWASM1</c>, 32-byte SHA-256 of the payload, 8-byte little-endian payload length, payload.
/// </summary>
public sealed class CompiledModuleCache
{
    public const string Extension = ".cwasm";

    private const int HashLength = 32;
    private static readonly byte[] Magic = "WGCWASM1"u8.ToArray();
    private static readonly int HeaderLength = Magic.Length + HashLength + sizeof(long);

    public CompiledModuleCache(string directory)
    {
        Directory = ExpandHome(directory);
    }

    public string Directory { get; }

    /// <summary>The key of a module compiled by an engine with tag <paramref name="engineTag"/>: lowercase hex SHA-256.</summary>
    public static string KeyFor(ReadOnlySpan<byte> module, string engineTag)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(engineTag));
        hash.AppendData([0]);
        hash.AppendData(module);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public string PathFor(string key) => Path.Combine(Directory, key + Extension);

    /// <summary>Outcome of <see cref="TryRead"/>.</summary>
    public enum ReadResult
    {
        Missing,
        Found,
        /// <summary>The entry failed its check and was deleted.</summary>
        Corrupt,
    }

    /// <summary>Reads the payload of entry <paramref name="key"/> if it exists and is intact; deletes it if it is not.</summary>
    public ReadResult TryRead(string key, out ReadOnlyMemory<byte> payload)
    {
        payload = ReadOnlyMemory<byte>.Empty;
        string path = PathFor(key);
        byte[] entry;
        try
        {
            entry = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return ReadResult.Missing;
        }
        if (!TryUnwrap(entry, out payload))
        {
            Delete(key);
            return ReadResult.Corrupt;
        }
        return ReadResult.Found;
    }

    /// <summary>
    /// Stores <paramref name="payload"/> under <paramref name="key"/>: written to a uniquely named temporary file in the
    /// same directory, then renamed over the entry, so no reader ever sees a partial file.
    /// </summary>
    public void Write(string key, ReadOnlySpan<byte> payload)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string temp = Path.Combine(Directory, $"{key}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                Span<byte> header = stackalloc byte[HeaderLength];
                Magic.CopyTo(header);
                SHA256.HashData(payload, header.Slice(Magic.Length, HashLength));
                BinaryPrimitives.WriteInt64LittleEndian(header[(Magic.Length + HashLength)..], payload.Length);
                stream.Write(header);
                stream.Write(payload);
            }
            File.Move(temp, PathFor(key), overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Removes entry <paramref name="key"/>; a concurrent deleter or a missing file is not an error.</summary>
    public void Delete(string key)
    {
        try
        {
            File.Delete(PathFor(key));
        }
        catch (IOException)
        {
            // Another process may hold it open (Windows) or have replaced it; the next load checks it again.
        }
    }

    private static bool TryUnwrap(byte[] entry, out ReadOnlyMemory<byte> payload)
    {
        payload = ReadOnlyMemory<byte>.Empty;
        if (entry.Length < HeaderLength || !entry.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            return false;
        }
        long length = BinaryPrimitives.ReadInt64LittleEndian(entry.AsSpan(Magic.Length + HashLength, sizeof(long)));
        if (length != entry.Length - HeaderLength)
        {
            return false;
        }
        var body = entry.AsSpan(HeaderLength);
        Span<byte> actual = stackalloc byte[HashLength];
        SHA256.HashData(body, actual);
        if (!actual.SequenceEqual(entry.AsSpan(Magic.Length, HashLength)))
        {
            return false;
        }
        payload = entry.AsMemory(HeaderLength);
        return true;
    }

    /// <summary>Config files say <c>~/.cache/wasmgraph</c>; no shell expands that for us.</summary>
    private static string ExpandHome(string directory)
    {
        if (directory == "~" || directory.StartsWith("~/", StringComparison.Ordinal))
        {
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return Path.Combine(home, directory.Length > 2 ? directory[2..] : "");
        }
        return directory;
    }
}
