using System.Diagnostics;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Runtime;

namespace WasmGraph.Runtimes.Wasmtime.Tests.Embedding;

/// <summary>
/// The embedding API: a module file loads and runs with one call each; a path that is no module is refused with a
/// message naming it, before anything is opened that could block (a FIFO) or never end.
/// </summary>
public sealed class WasmGraphModelTests
{
    [Fact]
    public void ItLoadsAModuleFileAndRunsItsOneInput()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "add-one.wasm");
        File.WriteAllBytes(path, TestModules.AddOne());

        using var model = WasmGraphModel.Load(path, new RuntimeOptions { Timeout = TimeSpan.FromSeconds(30) });
        var y = model.Run(TensorData.FromFloats(new Shape(model.Inputs[0].Shape), [1f, 2.5f, -0f, 100f]));

        Assert.Equal(["x"], model.Inputs.Select(i => i.Name));
        Assert.Equal(["y"], model.Outputs.Select(o => o.Name));
        Assert.Equal([2f, 3.5f, 1f, 101f], y.ToFloatArray());
    }

    [Fact]
    public void AMissingFileIsNamed()
    {
        var e = Assert.Throws<WasmGraphException>(() => WasmGraphModel.Load("/nonexistent/model.wasm"));
        Assert.Equal("module /nonexistent/model.wasm does not exist", e.Message);
    }

    [Fact]
    public void ADirectoryIsRefused()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<WasmGraphException>(() => WasmGraphModel.Load(dir.Path));
        Assert.Contains("is a directory, not a file", e.Message);
    }

    [Fact]
    public async Task AFifoIsRefusedWithoutBlocking()
    {
        using var dir = new TempDirectory();
        var fifo = Path.Combine(dir.Path, "model.wasm");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        // A load that opened the FIFO would block until a writer came: the time limit turns that into a failure.
        var refused = await Task.Run(() => Assert.Throws<WasmGraphException>(() => WasmGraphModel.Load(fifo))).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("not a WebAssembly module, or not a regular file", refused.Message);
    }

    [Fact]
    public void AFileThatIsNoModuleIsRefusedByTheRuntimesChecks()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "model.wasm");
        File.WriteAllText(path, "this is not WebAssembly");

        Assert.Throws<WasmGraphException>(() => WasmGraphModel.Load(path));
    }
}
