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
/// <para>
/// The directory is bounded by size: after each write, entries are evicted least recently used first until the total
/// is at most <see cref="MaxBytes"/> (every model compiled once would otherwise stay forever: a ResNet-50 entry is
/// ~100 MB). "Used" is the entry's access time, set explicitly on every hit, because mounts with <c>noatime</c> or
/// <c>relatime</c> do not keep it for us. Temporary files left by a killed writer are removed once they are an hour old.
/// </para>
/// Entry layout: 8-byte magic <c>WGCWASM1</c>, 32-byte SHA-256 of the payload, 8-byte little-endian payload length, payload.
/// </summary>
public sealed class CompiledModuleCache
{
    public const string Extension = ".cwasm";

    /// <summary>Default size bound: ten ResNet-50-sized entries, or hundreds of small models.</summary>
    public const long DefaultMaxBytes = 1L << 30;

    /// <summary>A temporary this old belongs to a writer that died (a write takes well under a minute).</summary>
    private static readonly TimeSpan AbandonedTemporaryAge = TimeSpan.FromHours(1);

    private const int HashLength = 32;
    private static readonly byte[] Magic = "WGCWASM1"u8.ToArray();
    private static readonly int HeaderLength = Magic.Length + HashLength + sizeof(long);

    public CompiledModuleCache(string directory, long maxBytes = DefaultMaxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        Directory = ExpandHome(directory);
        MaxBytes = maxBytes;
    }

    public string Directory { get; }

    /// <summary>Most bytes the entries may take together; the entry just written is kept even if it alone is larger.</summary>
    public long MaxBytes { get; }

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
        Touch(path);
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
        Trim(keep: key);
    }

    /// <summary>
    /// Evicts entries, least recently used first, until the entries total at most <see cref="MaxBytes"/>; never
    /// <paramref name="keep"/> (the entry the caller is about to use). Other processes may trim or write at the same
    /// time: a file that vanished meanwhile is simply skipped.
    /// </summary>
    public void Trim(string? keep = null)
    {
        FileInfo[] files;
        try
        {
            files = new DirectoryInfo(Directory).GetFiles();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }
        var entries = new List<FileInfo>();
        foreach (var file in files)
        {
            if (file.Name.EndsWith(Extension, StringComparison.Ordinal))
            {
                entries.Add(file);
            }
            else if (file.Name.EndsWith(".tmp", StringComparison.Ordinal) && DateTime.UtcNow - file.LastWriteTimeUtc > AbandonedTemporaryAge)
            {
                TryDelete(file.FullName);
            }
        }
        long total = entries.Sum(e => e.Length);
        string? kept = keep is null ? null : Path.GetFileName(PathFor(keep));
        foreach (var entry in entries.OrderBy(e => e.LastAccessTimeUtc).ThenBy(e => e.Name, StringComparer.Ordinal))
        {
            if (total <= MaxBytes)
            {
                break;
            }
            if (entry.Name == kept)
            {
                continue;
            }
            if (TryDelete(entry.FullName))
            {
                total -= entry.Length;
            }
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

    /// <summary>Marks an entry as just used; best effort (a read-only cache still serves hits).</summary>
    private static void Touch(string path)
    {
        try
        {
            File.SetLastAccessTimeUtc(path, DateTime.UtcNow);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
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
