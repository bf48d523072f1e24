using WasmGraph.Abstractions;

namespace WasmGraph.Host.IO;

/// <summary>
/// The rule for every file the host writes (<c>compile -o</c>, <c>run --output-dir</c>, <c>zoo -o</c>, <c>demo
/// --report</c>, <c>conformance --report</c>): the target is a new path or an existing regular file, never a directory,
/// a device, a FIFO or a socket (a rename over <c>/dev/null</c> replaces the device node), and never one of the files
/// the same command reads (compared by full path and by device and inode, so <c>./m.onnx</c>, a symbolic link or a
/// hard link to the model cannot slip through). Commands check their outputs up front, before any work, so a bad
/// <c>-o</c> costs milliseconds rather than a compile; <see cref="WasmGraph.Host.Pipeline.AtomicFile"/> checks again
/// just before it renames, for writers that did not.
/// </summary>
public static class OutputPath
{
    /// <summary>
    /// Throws a <see cref="WasmGraphException"/> naming <paramref name="flag"/> unless <paramref name="path"/> may be
    /// written; <paramref name="inputs"/> are the files the command reads (nulls and missing files are skipped).
    /// With <paramref name="probe"/>, also proves the directory is writable by creating and deleting a file in it.
    /// </summary>
    public static void Check(string? path, string flag, IEnumerable<string?> inputs, bool probe = true)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new WasmGraphException($"{flag}: the output path is empty");
        }
        var target = FileStatus.Of(path);
        if (target.Kind == FileKind.Directory)
        {
            throw new WasmGraphException($"{flag} {path}: is a directory; give a file path");
        }
        if (target.Kind is not (FileKind.Missing or FileKind.Regular))
        {
            throw new WasmGraphException($"{flag} {path}: is {target.Describe()}; outputs must be regular files or new paths");
        }
        var full = Path.GetFullPath(path);
        foreach (var input in inputs)
        {
            if (string.IsNullOrEmpty(input))
            {
                continue;
            }
            if (string.Equals(Path.GetFullPath(input), full, StringComparison.Ordinal) || target.IsSameFileAs(FileStatus.Of(input)))
            {
                throw new WasmGraphException($"{flag} {path}: is the input {input}; writing it would destroy it, choose another output");
            }
        }
        CheckDirectory(Path.GetDirectoryName(full)!, flag, probe, shown: path);
    }

    /// <summary>
    /// Throws unless <paramref name="directory"/> is an existing directory or can become one (its nearest existing
    /// ancestor is a directory); with <paramref name="probe"/>, an existing one must accept a new file (as root,
    /// permission bits say yes to everything, so only trying tells that <c>/proc</c> or a read-only mount refuses).
    /// <paramref name="shown"/> is the path the user gave, when that was a file in the directory.
    /// </summary>
    public static void CheckDirectory(string? directory, string flag, bool probe = true, string? shown = null)
    {
        if (string.IsNullOrWhiteSpace(directory))
        {
            throw new WasmGraphException($"{flag}: the directory path is empty");
        }
        var full = Path.GetFullPath(directory);
        for (var ancestor = full; ancestor is not null; ancestor = Path.GetDirectoryName(ancestor))
        {
            var status = FileStatus.Of(ancestor);
            if (status.Kind == FileKind.Missing)
            {
                continue;
            }
            if (status.Kind != FileKind.Directory)
            {
                throw new WasmGraphException(ancestor == full && shown is null
                    ? $"{flag} {directory}: is {status.Describe()}, not a directory"
                    : $"{flag} {shown ?? directory}: cannot be created: {ancestor} is {status.Describe()}");
            }
            if (probe && ancestor == full)
            {
                ProbeWritable(full, shown ?? directory, flag);
            }
            return;
        }
    }

    private static void ProbeWritable(string full, string shown, string flag)
    {
        var probe = Path.Combine(full, $".wasmgraph-probe.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using var stream = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var reason = e switch
            {
                UnauthorizedAccessException => "permission denied",
                FileNotFoundException or DirectoryNotFoundException => "the file system there does not take new files",
                _ => e.Message,
            };
            throw new WasmGraphException($"{flag} {shown}: cannot write in {full}: {reason}", e);
        }
    }
}
