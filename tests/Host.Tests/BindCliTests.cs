using WasmGraph.Abstractions.Ir;
using WasmGraph.Host.IO;
using WasmGraph.TestSupport;

namespace WasmGraph.Host.Tests;

/// <summary>
/// <c>compile --bind NAME=FILE.npy</c> through the CLI: the bound input leaves the module's inputs, <c>inspect</c>
/// shows the binding, and <c>run</c> agrees with ONNX Runtime given the same value; a wrong name, a value of the wrong
/// type and a broken .npy are exit 2 with one line saying what is wrong, and nothing is written.
/// </summary>
public sealed class BindCliTests : IDisposable
{
    private readonly TempDirectory _dir = TestPaths.NewTempDirectory();

    public void Dispose() => _dir.Dispose();

    private string Model()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3, 4)
            .Input("shape", DataType.Int64, 2)
            .Node("Reshape", ["x", "shape"], ["y"])
            .Output("y", DataType.Float32);
        var path = _dir.File("reshape.onnx");
        File.WriteAllBytes(path, model.ToBytes());
        return path;
    }

    [Fact]
    public void ABoundInputLeavesTheModuleInspectShowsItAndRunMatchesOnnxRuntime()
    {
        var model = Model();
        var shape = TensorData.FromInt64s(new Shape(2), [4, -1]);
        NpyFile.Write(_dir.File("shape.npy"), shape);

        var compile = HostProcess.Run("compile", model, "-o", _dir.File("m.wasm"), "--bind", "shape=" + _dir.File("shape.npy"));
        Assert.True(compile.ExitCode == 0, compile.ToString());
        var inspect = HostProcess.Run("inspect", _dir.File("m.wasm"));
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.Contains("bound shape", inspect.StdOut);
        Assert.Contains("int64[2] sha256", inspect.StdOut);

        var x = TestTensors.Random([2, 3, 4], seed: 6);
        NpyFile.Write(_dir.File("x.npy"), x);
        var run = HostProcess.Run("run", _dir.File("m.wasm"), "--input", "x=" + _dir.File("x.npy"), "--output-dir", _dir.File("out"));
        Assert.True(run.ExitCode == 0, run.ToString());
        var expected = OnnxRuntimeOracle.Run(File.ReadAllBytes(model), new Dictionary<string, TensorData> { ["x"] = x, ["shape"] = shape })["y"];
        var actual = NpyFile.Read(_dir.File("out/y.npy"));
        Assert.Equal(expected.Type, actual.Type);
        Assert.Equal(expected.ToFloatArray(), actual.ToFloatArray()); // a reshape: exact
    }

    [Fact]
    public void AnUnknownInputNameIsExitTwoWithASuggestion()
    {
        NpyFile.Write(_dir.File("shape.npy"), TensorData.FromInt64s(new Shape(2), [4, -1]));

        var result = HostProcess.Run("compile", Model(), "-o", _dir.File("m.wasm"), "--bind", "shapes=" + _dir.File("shape.npy"));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("--bind names 'shapes', which is not a model input (did you mean 'shape'?", result.StdErr);
        Assert.False(File.Exists(_dir.File("m.wasm")));
    }

    [Fact]
    public void AValueOfTheWrongElementTypeIsExitTwoNamingBothTypes()
    {
        NpyFile.Write(_dir.File("shape.npy"), TensorData.FromFloats(new Shape(2), [4, -1]));

        var result = HostProcess.Run("compile", Model(), "-o", _dir.File("m.wasm"), "--bind", "shape=" + _dir.File("shape.npy"));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("--bind shape: the value is float32[2], but the model declares the input as int64[2]", result.StdErr);
    }

    [Fact]
    public void ABrokenNpyFileIsExitTwoNamingTheFile()
    {
        File.WriteAllText(_dir.File("shape.npy"), "not numpy");

        var result = HostProcess.Run("compile", Model(), "-o", _dir.File("m.wasm"), "--bind", "shape=" + _dir.File("shape.npy"));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("shape.npy: not a .npy file", result.StdErr);
        Assert.DoesNotContain("   at ", result.All);
    }

    [Theory]
    [InlineData("shape", "--bind 'shape': expected NAME=FILE.npy")]
    [InlineData("=x.npy", "--bind '=x.npy': expected NAME=FILE.npy")]
    public void AMalformedBindingIsExitTwo(string spec, string expected)
    {
        var result = HostProcess.Run("compile", Model(), "-o", _dir.File("m.wasm"), "--bind", spec);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(expected, result.StdErr);
    }
}
