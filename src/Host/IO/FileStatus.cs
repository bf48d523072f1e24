using System.Runtime.InteropServices;

namespace WasmGraph.Host.IO;

/// <summary>What a path names, after following symbolic links.</summary>
public enum FileKind
{
    Missing,
    Regular,
    Directory,
    CharacterDevice,
    BlockDevice,
    Fifo,
    Socket,
    /// <summary>The path exists but could not be examined (permission, a loop of links, a name too long).</summary>
    Inaccessible,
}

/// <summary>
/// The kind, identity (device and inode) and size of a file: what <c>stat(2)</c> says. .NET exposes neither the file
/// type beyond "directory" nor the inode, and both matter here: opening a FIFO for reading blocks until a writer comes,
/// <c>/dev/zero</c> never ends, a rename over a device node replaces the device, and an output that is a hard link or
/// a symbolic link to an input has a different path but the same inode. This is the one place that calls the C
/// library for it (Linux x64 and arm64, whose <c>struct stat</c> layouts it knows); elsewhere it falls back to what
/// .NET can tell (regular file or directory, no identity).
/// </summary>
public readonly partial record struct FileStatus(FileKind Kind, ulong Device, ulong Inode, long Size, string? Problem = null)
{
    public bool Exists => Kind is not (FileKind.Missing or FileKind.Inaccessible);

    /// <summary>"a character device", "a directory", …: for messages.</summary>
    public string Describe() => Kind switch
    {
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.Socket => "a socket",
        FileKind.Missing => "missing",
        _ => $"not accessible ({Problem})",
    };

    /// <summary>Whether both name the same file (same device and inode); false when either identity is unknown.</summary>
    public bool IsSameFileAs(FileStatus other)
        => Exists && other.Exists && Inode != 0 && Device == other.Device && Inode == other.Inode;

    /// <summary>The status of <paramref name="path"/>, following symbolic links. Never throws for a bad path.</summary>
    public static FileStatus Of(string path)
    {
        if (string.IsNullOrEmpty(path) || path.Contains('\0', StringComparison.Ordinal))
        {
            return new FileStatus(FileKind.Missing, 0, 0, 0);
        }
        if (NativeStat.IsAvailable)
        {
            try
            {
                return NativeStat.Of(path);
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                // A C library without a "stat" symbol (glibc before 2.33): fall back to what .NET can tell.
            }
        }
        return Managed(path);
    }

    private static FileStatus Managed(string path)
    {
        if (Directory.Exists(path))
        {
            return new FileStatus(FileKind.Directory, 0, 0, 0);
        }
        return File.Exists(path) ? new FileStatus(FileKind.Regular, 0, 0, new FileInfo(path).Length) : new FileStatus(FileKind.Missing, 0, 0, 0);
    }

    /// <summary><c>stat(2)</c> through glibc; the field offsets are those of the kernel's x86_64 and generic (arm64) layouts.</summary>
    private static partial class NativeStat
    {
        private const int BufferBytes = 256; // sizeof(struct stat) is 144 on x86_64 and 128 on arm64
        private const int ModeOffsetX64 = 24, ModeOffsetArm64 = 16;
        private const int DeviceOffset = 0, InodeOffset = 8, SizeOffset = 48; // the same in both layouts
        private const uint TypeMask = 0xF000;
        private const int NoSuchFile = 2, NotADirectory = 20;

        public static bool IsAvailable { get; } = OperatingSystem.IsLinux()
            && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

        private static readonly int ModeOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? ModeOffsetX64 : ModeOffsetArm64;

        public static unsafe FileStatus Of(string path)
        {
            byte* buffer = stackalloc byte[BufferBytes];
            if (Stat(path, buffer) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                return errno is NoSuchFile or NotADirectory
                    ? new FileStatus(FileKind.Missing, 0, 0, 0)
                    : new FileStatus(FileKind.Inaccessible, 0, 0, 0, Marshal.GetPInvokeErrorMessage(errno));
            }
            uint mode = *(uint*)(buffer + ModeOffset);
            var kind = (mode & TypeMask) switch
            {
                0x8000 => FileKind.Regular,
                0x4000 => FileKind.Directory,
                0x2000 => FileKind.CharacterDevice,
                0x6000 => FileKind.BlockDevice,
                0x1000 => FileKind.Fifo,
                0xC000 => FileKind.Socket,
                _ => FileKind.Inaccessible,
            };
            return new FileStatus(kind, *(ulong*)(buffer + DeviceOffset), *(ulong*)(buffer + InodeOffset), *(long*)(buffer + SizeOffset),
                                  kind == FileKind.Inaccessible ? $"unknown file type 0x{mode & TypeMask:x}" : null);
        }

        /// <summary>glibc 2.33 and later export <c>stat</c> itself (before, only <c>__xstat</c>).</summary>
        [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        private static unsafe partial int Stat(string path, byte* buffer);
    }
}
