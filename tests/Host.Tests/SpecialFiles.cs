using System.Diagnostics;

namespace WasmGraph.Host.Tests;

/// <summary>Files that are not regular files, made in a test directory: FIFOs, device nodes, links.</summary>
public static class SpecialFiles
{
    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>A named pipe (opening it for reading blocks until a writer opens it).</summary>
    public static string Fifo(TempDirectory dir, string name = "pipe")
    {
        var path = dir.File(name);
        Tool("mkfifo", path);
        return path;
    }

    /// <summary>
    /// A character device equal to /dev/null (major 1, minor 3), as the tester made it; creating a device node needs
    /// root, so elsewhere this is a symbolic link to /dev/null, which stat() also reports as a character device.
    /// </summary>
    public static string NullDevice(TempDirectory dir, string name = "null-device")
    {
        var path = dir.File(name);
        if (IsRoot)
        {
            Tool("mknod", path, "c", "1", "3");
        }
        else
        {
            File.CreateSymbolicLink(path, "/dev/null");
        }
        return path;
    }

    /// <summary>Whether <paramref name="path"/> is still a character device (not replaced by a regular file).</summary>
    public static bool IsCharacterDevice(string path)
    {
        var start = new ProcessStartInfo("stat", ["-L", "-c", "%F", path]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var kind = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return kind == "character special file";
    }

    public static void HardLink(string existing, string link) => Tool("ln", existing, link);

    private static void Tool(string tool, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(tool, args) { UseShellExecute = false, RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{tool} {string.Join(' ', args)} failed: {error}");
    }
}
