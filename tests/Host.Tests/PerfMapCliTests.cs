namespace WasmGraph.Host.Tests;

/// <summary>
/// <c>WASMGRAPH_PERF_MAP=1</c> makes the Wasmtime engines write Linux perf's symbol map (<c>/tmp/perf-PID.map</c>), so
/// <c>perf report</c> names the module's functions; without it no map is written (WasmtimeEngines.PerfMap).
/// </summary>
public sealed class PerfMapCliTests : IDisposable
{
    private readonly TempDirectory _dir = TestPaths.NewTempDirectory();

    public void Dispose() => _dir.Dispose();

    /// <summary>Runs the tiny module once and returns the perf maps written since just before it started.</summary>
    private List<string> RunAndListNewMaps(bool perfMap)
    {
        var module = TinyModules.Write(_dir.File($"tiny{Guid.NewGuid():N}.wasm"), [4]);
        var input = TinyModules.Input(_dir.File("in.npy"), 1, 2, 3, 4);
        var environment = new Dictionary<string, string> { ["WASMGRAPH_Pipeline__Runtime__Cache"] = _dir.File($"cache{Guid.NewGuid():N}") };
        if (perfMap)
        {
            environment["WASMGRAPH_PERF_MAP"] = "1";
        }
        var before = Maps().ToHashSet();
        var result = HostProcess.Run(["run", module, "--input", $"x={input}"], environment, timeoutSeconds: 120);
        Assert.True(result.ExitCode == 0, result.ToString());
        return Maps().Where(f => !before.Contains(f) && new FileInfo(f).Length > 0).ToList();
    }

    /// <summary>Perf maps are named by process id, and each run is a new process.</summary>
    private static string[] Maps() => Directory.GetFiles("/tmp", "perf-*.map");

    [Fact]
    public void TheVariableWritesAPerfMapNamingTheModulesFunctions()
    {
        var maps = RunAndListNewMaps(perfMap: true);

        Assert.NotEmpty(maps);
        // Each line is "0xSTART SIZE NAME" (hex), as perf reads it, one per compiled function of the module.
        Assert.Contains(maps.SelectMany(File.ReadLines), line => line.Split(' ', 3) is [var start, var size, var name]
                                                                  && start.StartsWith("0x", StringComparison.Ordinal)
                                                                  && long.TryParse(start[2..], System.Globalization.NumberStyles.HexNumber, null, out _)
                                                                  && long.TryParse(size, System.Globalization.NumberStyles.HexNumber, null, out _)
                                                                  && name.StartsWith("wasm[", StringComparison.Ordinal));
        maps.ForEach(File.Delete);
    }

    [Fact]
    public void WithoutTheVariableNoPerfMapIsWritten()
        => Assert.Empty(RunAndListNewMaps(perfMap: false));
}
