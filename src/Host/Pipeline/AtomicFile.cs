using System.Diagnostics;
using WasmGraph.Abstractions;
using WasmGraph.Host.IO;

namespace WasmGraph.Host.Pipeline;

/// <summary>
/// Writes a file so that readers see either the old file or the complete new one, never a torn write: the bytes go to
/// a temporary file in the same directory (same file system, so the rename is atomic), which is then renamed over the
/// target. If anything fails or the write is cancelled, the temporary file is removed and the target is left as it was.
/// <para>
/// A process killed outright (SIGKILL, power loss) cannot clean up, so temporary names carry the writer's process id
/// (<c>.NAME.PID.GUID.tmp</c>) and every write first removes the temporaries of the same target whose writer is gone.
/// Temporaries of live writers are left alone: two processes may write the same target at once, and the last rename wins.
/// </para>
/// <para>
/// The target must satisfy <see cref="OutputPath"/> (a regular file or a new path, never a device, FIFO, socket or
/// directory), checked before writing and again just before the rename, because a rename replaces whatever the name
/// pointed at, a device node included. Failures to write are <see cref="WasmGraphException"/>s naming the path.
/// </para>
/// </summary>
public static class AtomicFile
{
    private const int ChunkBytes = 4 << 20;

    public static void WriteAllBytes(string path, byte[] bytes, CancellationToken cancellation = default)
        => Write(path, stream =>
        {
            for (int offset = 0; offset < bytes.Length; offset += ChunkBytes)
            {
                cancellation.ThrowIfCancellationRequested();
                stream.Write(bytes, offset, Math.Min(ChunkBytes, bytes.Length - offset));
            }
        }, cancellation);

    /// <summary>Writes whatever <paramref name="write"/> puts into the stream, atomically (see the class comment).</summary>
    public static void Write(string path, Action<Stream> write, CancellationToken cancellation = default)
    {
        OutputPath.Check(path, "output", [], probe: false);
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        var temp = Path.Combine(directory, $"{TempPrefix(full)}{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(directory);
            RemoveAbandonedTemporaries(full);
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            cancellation.ThrowIfCancellationRequested();
            OutputPath.Check(path, "output", [], probe: false); // the name may have been replaced by a device meanwhile
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new WasmGraphException($"cannot write {path}: {e.Message}", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Deletes <c>.NAME.PID.*.tmp</c> files beside <paramref name="fullPath"/> whose process no longer runs.</summary>
    internal static void RemoveAbandonedTemporaries(string fullPath)
    {
        var prefix = TempPrefix(fullPath);
        string[] candidates;
        try
        {
            candidates = Directory.GetFiles(Path.GetDirectoryName(fullPath)!, prefix + "*.tmp");
        }
        catch (IOException)
        {
            return;
        }
        foreach (var candidate in candidates)
        {
            var rest = Path.GetFileName(candidate)[prefix.Length..];
            int dot = rest.IndexOf('.', StringComparison.Ordinal);
            if (dot > 0 && int.TryParse(rest[..dot], out int pid) && !IsRunning(pid))
            {
                TryDelete(candidate);
            }
        }
    }

    /// <summary>
    /// At most <see cref="TempNameChars"/> characters of the name: the PID, a GUID and ".tmp" add 45 more, and a name
    /// the target itself may have (up to 255 bytes) would otherwise make the temporary's name too long to create.
    /// </summary>
    private static string TempPrefix(string fullPath)
    {
        var name = Path.GetFileName(fullPath);
        return $".{(name.Length > TempNameChars ? name[..TempNameChars] : name)}.";
    }

    private const int TempNameChars = 100;

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the original error matters more than a leftover temporary file.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
