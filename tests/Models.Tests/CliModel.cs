using System.Diagnostics;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.Cli;
using WasmGraph.Host.IO;
using WasmGraph.Host.Tests;

namespace WasmGraph.Models.Tests;

/// <summary>
/// A model compiled once through the CLI (<c>compile MODEL -o DIR/NAME.wasm ARGS…</c>), as a user would, with the
/// wall-clock compile time kept for the report. Runs go through <c>run … --output-dir</c> and read the .npy outputs.
/// </summary>
public sealed class CliModel : IDisposable
{
    private readonly TempDirectory _directory = TestPaths.NewTempDirectory();

    public CliModel(string model, string name, params string[] compileArgs)
    {
        Assert.True(File.Exists(model), $"{model} is missing: run ./wasmgraph fetch");
        Model = model;
        Module = _directory.File(name + ".wasm");
        var clock = Stopwatch.StartNew();
        var result = HostProcess.Run(["compile", model, "-o", Module, .. compileArgs], null, timeoutSeconds: 300);
        CompileSeconds = clock.Elapsed.TotalSeconds;
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    public static string Data => Path.Combine(TestPaths.RepoRoot, ".cache", "data");

    public string Model { get; }

    public string Module { get; }

    /// <summary>Wall-clock time of the <c>compile</c> process, start-up included.</summary>
    public double CompileSeconds { get; }

    public ModelMetadata Metadata => WasmModuleReader.ReadMetadata(File.ReadAllBytes(Module), Module);

    /// <summary>
    /// Runs the module with <paramref name="runArgs"/> and returns every output by name (the CLI writes each to
    /// <c>DIR/&lt;safe name&gt;.npy</c>, e.g. <c>Identity:0</c> to <c>Identity_0.npy</c>).
    /// </summary>
    public Dictionary<string, TensorData> Run(params string[] runArgs)
    {
        using var output = TestPaths.NewTempDirectory();
        var result = HostProcess.Run(["run", Module, .. runArgs, "--output-dir", output.Path], null, timeoutSeconds: 300);
        Assert.True(result.ExitCode == 0, result.ToString());
        return Metadata.Outputs.ToDictionary(o => o.Name, o => NpyFile.Read(Path.Combine(output.Path, TensorStats.SafeFileName(o.Name) + ".npy")));
    }

    /// <summary>Writes <paramref name="inputs"/> as .npy files and runs the module on them.</summary>
    public Dictionary<string, TensorData> Run(IReadOnlyDictionary<string, TensorData> inputs)
    {
        using var files = TestPaths.NewTempDirectory();
        var args = new List<string>();
        foreach (var (name, tensor) in inputs)
        {
            var file = files.File(name + ".npy");
            NpyFile.Write(file, tensor);
            args.AddRange(["--input", $"{name}={file}"]);
        }
        return Run([.. args]);
    }

    public void Dispose() => _directory.Dispose();
}
