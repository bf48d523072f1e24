using System.Diagnostics;

namespace WasmGraph.Backends.LlvmWasm.Interop;

/// <summary>Runs wasm-ld (lld has no C API) to turn one object file into a self-contained module.</summary>
internal static class WasmLinker
{
    private static readonly string[] Candidates = ["wasm-ld-19", "/usr/lib/llvm-19/bin/wasm-ld", "/usr/bin/wasm-ld-19"];

    public static string FindLinker()
        => TryFindLinker() ?? throw new InvalidOperationException("wasm-ld-19 was not found. Install it with: apt-get install -y lld-19");

    /// <summary>WASMGRAPH_WASM_LD when set, else the first of <see cref="Candidates"/> that exists; null when none does.</summary>
    public static string? TryFindLinker()
    {
        var env = Environment.GetEnvironmentVariable("WASMGRAPH_WASM_LD");
        if (!string.IsNullOrEmpty(env))
        {
            return Path.IsPathRooted(env) ? (File.Exists(env) ? env : null) : (OnPath(env) ? env : null);
        }
        return Candidates.FirstOrDefault(c => Path.IsPathRooted(c) ? File.Exists(c) : OnPath(c));
    }

    private static bool OnPath(string name)
        => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, name)));

    /// <summary>
    /// Links the object file in <paramref name="directory"/> exporting <paramref name="exports"/>; returns the module
    /// bytes. With <paramref name="sharedMemoryBytes"/> (a threaded module) the memory is imported as <c>env.memory</c>,
    /// shared, with that initial and maximum size, and exported too; data segments become passive, initialised once
    /// by wasm-ld's <c>__wasm_init_memory</c>.
    /// </summary>
    public static byte[] Link(LinkDirectory directory, IEnumerable<string> exports, int stackBytes, CancellationToken cancellation, long? sharedMemoryBytes = null)
    {
        var (obj, wasm) = (directory.ObjectPath, directory.ModulePath);
        var psi = new ProcessStartInfo(FindLinker())
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { obj, "-o", wasm, "--no-entry", "--gc-sections", "-O2", "--strip-debug", "-z", $"stack-size={stackBytes}" })
        {
            psi.ArgumentList.Add(arg);
        }
        if (sharedMemoryBytes is long shared)
        {
            foreach (var arg in new[] { "--shared-memory", "--import-memory", "--export-memory", $"--initial-memory={shared}", $"--max-memory={shared}" })
            {
                psi.ArgumentList.Add(arg);
            }
        }
        foreach (var export in exports)
        {
            psi.ArgumentList.Add($"--export={export}");
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start wasm-ld");
        using var registration = cancellation.Register(() => { try { process.Kill(); } catch (InvalidOperationException) { } });
        var stderr = process.StandardError.ReadToEndAsync(cancellation);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellation);
        process.WaitForExit();
        cancellation.ThrowIfCancellationRequested();
        if (process.ExitCode != 0)
        {
            var output = stderr.Result + stdout.Result;
            // The backend checks the memory budget before LLVM runs, from the graph; the linker's layout (alignment,
            // packed weights, tables) can still add a little, so a module within a hair of the limit may fail here:
            // with "initial memory too large" past 4 GiB, or by aborting on a data offset past 2 GiB.
            throw output.Contains("memory too large", StringComparison.Ordinal) || output.Contains("LEB is outside Varint32 range", StringComparison.Ordinal)
                ? new LinkerMemoryException(output.Split('\n')[0].Trim())
                : new InvalidOperationException($"wasm-ld failed (exit {process.ExitCode}): {output}");
        }
        return File.ReadAllBytes(wasm);
    }
}

/// <summary>A scratch directory for one compile: LLVM writes the object file into it, wasm-ld the module; removed on dispose.</summary>
internal sealed class LinkDirectory : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("wasmgraph-link-");

    public string ObjectPath => Path.Combine(_directory.FullName, "model.o");

    public string ModulePath => Path.Combine(_directory.FullName, "model.wasm");

    public void Dispose() => _directory.Delete(recursive: true);
}

/// <summary>wasm-ld found the module's memory larger than it can lay out.</summary>
internal sealed class LinkerMemoryException : Exception
{
    public LinkerMemoryException() { }

    public LinkerMemoryException(string message) : base(message) { }

    public LinkerMemoryException(string message, Exception inner) : base(message, inner) { }
}
