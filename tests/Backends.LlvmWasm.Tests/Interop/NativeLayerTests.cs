using System.Text.RegularExpressions;
using WasmGraph.TestSupport;

namespace WasmGraph.Backends.LlvmWasm.Tests.Interop;

/// <summary>
/// Raw LLVM P/Invoke stays in <c>Interop/</c>; everything above it uses the safe wrappers there (LlvmContext,
/// LlvmModule, LlvmBuilder, LValue). This reads the backend's sources rather than its IL: a <c>using static</c> of
/// LlvmNative or an alias of it is a reference too, and a source hit names the file and line to fix.
/// </summary>
public sealed partial class NativeLayerTests
{
    /// <summary>The native class by name, or one of its entry points (LLVMxxx(, reached through <c>using static</c>).</summary>
    [GeneratedRegex(@"\bLlvmNative\b|\bLLVM[A-Z][A-Za-z0-9]*\s*\(")]
    private static partial Regex NativeReference();

    [Fact]
    public void NoBackendFileOutsideInteropReferencesLlvmNative()
    {
        var backend = Path.Combine(TestFiles.RepoRoot, "plugins", "Backends.LlvmWasm");
        var interop = Path.Combine(backend, "Interop") + Path.DirectorySeparatorChar;
        var sources = Directory.EnumerateFiles(backend, "*.cs", SearchOption.AllDirectories)
                               .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                           && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                               .ToList();
        Assert.Contains(sources, f => f.StartsWith(interop, StringComparison.Ordinal) && NativeReference().IsMatch(File.ReadAllText(f)));

        var offenders = sources.Where(f => !f.StartsWith(interop, StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(backend, f), Line: i + 1, Text: line.Trim())))
            .Where(l => NativeReference().IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text}")
            .ToList();
        Assert.True(offenders.Count == 0, "LLVM's native API is used outside Interop/:\n" + string.Join("\n", offenders));
    }
}
