using System.Text.Json;
using WasmGraph.TestSupport;
using Xunit.Abstractions;
using static WasmGraph.Web.Tests.NodeRunner;

namespace WasmGraph.Web.Tests;

/// <summary>
/// Seeded fuzzing of web/wasmgraph.js and web/npy.js (web/test/fuzz-loader.mjs): mutated module headers, metadata
/// fields and .npy headers are accepted or refused with a WasmGraphError, never another exception, in bounded memory.
/// </summary>
public sealed class LoaderFuzzTests
{
    private readonly ITestOutputHelper _log;

    public LoaderFuzzTests(ITestOutputHelper log) => _log = log;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void MutatedModulesMetadataAndNpyHeadersAreAcceptedOrRefusedButNeverCrashTheLoader(int seed)
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("code.wasm"), Wasmtime.Module.ConvertText(AddOneWat()));
        File.WriteAllText(dir.File("metadata.json"), AddOneMetadata);
        File.WriteAllBytes(dir.File("x.npy"), Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", Floats(1, 2, 3, 4)));

        var result = RunScript(Path.Combine(WebTools.Web, "test", "fuzz-loader.mjs"),
                               [dir.File("code.wasm"), dir.File("metadata.json"), dir.File("x.npy"), "3000", $"{seed}"], 300);

        _log.WriteLine(result.ToString());
        Assert.True(result.ExitCode == 0, result.ToString());
        var report = JsonDocument.Parse(result.StdOut).RootElement;
        Assert.True(report.GetProperty("failureCount").GetInt32() == 0, result.StdOut);
        foreach (var kind in new[] { "module bytes", "metadata", "npy" })
        {
            // Both outcomes, or the mutations are not reaching the checks they are meant to exercise.
            var outcome = report.GetProperty("outcomes").GetProperty(kind);
            Assert.True(outcome.GetProperty("accepted").GetInt32() > 0 && outcome.GetProperty("refused").GetInt32() > 0, $"{kind}: {outcome}");
        }
        Assert.True(result.PeakRssBytes < 300L << 20, result.ToString());
    }
}
