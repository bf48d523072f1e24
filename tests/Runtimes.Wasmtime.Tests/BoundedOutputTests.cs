using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Runtimes.Wasmtime.Tests;

/// <summary>
/// Bounded outputs (docs/abi.md): the session reads a bounded output's actual dims through <c>wg_output_dims</c> and
/// trims the bound-shaped buffer to them. The hand-written module has an int32 output bounded by [2, 4] whose axis 1
/// is dynamic (a non-leading axis, so trimming is a strided slice, not a prefix); the buffer holds 0…7 and
/// <c>wg_run</c> reports the input n as the axis-1 extent.
/// </summary>
public sealed class BoundedOutputTests : IDisposable
{
    private const int DimsAddress = 3072;
    private readonly WasmtimeRuntime _runtime = new();

    public void Dispose() => _runtime.Dispose();

    private static ModelMetadata Metadata(params int[] dynamicDims) => new()
    {
        Name = "bounded",
        Producer = "hand-written WAT",
        Inputs = [new TensorInfo("n", "int32", [1], 4)],
        Outputs = [new TensorInfo("y", "int32", [2, 4], 32) { DynamicDims = [.. dynamicDims] }],
        ArenaBytes = 64,
    };

    private static string Wat(bool exportDims = true) => TestModules.AbiWat(
        $"(i32.store (i32.const {DimsAddress + 4}) (i32.load (i32.const {TestModules.InputAddress}))) (i32.const 0)",
        extra: $$"""
            (data (i32.const {{TestModules.OutputAddress}}) "\00\00\00\00\01\00\00\00\02\00\00\00\03\00\00\00\04\00\00\00\05\00\00\00\06\00\00\00\07\00\00\00")
            (data (i32.const {{DimsAddress}}) "\02\00\00\00\04\00\00\00")
            {{(exportDims ? $"(func (export \"wg_output_dims\") (param i32) (result i32) (i32.const {DimsAddress}))" : "")}}
            """);

    private static Dictionary<string, TensorData> N(int n) => new() { ["n"] = TensorData.FromArray(DataType.Int32, new Shape(1), [n]) };

    [Fact]
    public void ItTrimsABoundedOutputToTheDimsTheModuleReports()
    {
        using var session = _runtime.Load(TestModules.Build(Wat(), Metadata(1)), new RuntimeOptions());

        var y = session.Run(N(2))["y"];

        Assert.Equal(new TensorType(DataType.Int32, new Shape(2, 2)), y.Type);
        Assert.Equal([0L, 1, 4, 5], y.ToInt64Array());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void ItHandsOverAnEmptyOrAFullBoundedOutput(int n)
    {
        using var session = _runtime.Load(TestModules.Build(Wat(), Metadata(1)), new RuntimeOptions());

        var y = session.Run(N(n))["y"];

        Assert.Equal(new Shape(2, n), y.Type.Shape);
        Assert.False(y.Type.IsBounded);
        Assert.Equal(n == 0 ? [] : Enumerable.Range(0, 8).Select(i => (long)i).ToArray(), y.ToInt64Array());
    }

    [Fact]
    public void ItRefusesDimsBeyondTheBound()
    {
        using var session = _runtime.Load(TestModules.Build(Wat(), Metadata(1)), new RuntimeOptions());

        var e = Assert.Throws<WasmGraphException>(() => session.Run(N(5)));

        Assert.Contains("reports dims [2,5] for output 'y', which do not fit its bound int32[2,≤4]", e.Message);
    }

    [Fact]
    public void ItRefusesABoundedOutputWithoutTheDimsExport()
    {
        var e = Assert.Throws<WasmGraphException>(() =>
        {
            using var session = _runtime.Load(TestModules.Build(Wat(exportDims: false), Metadata(1)), new RuntimeOptions());
            session.Run(N(1));
        });

        Assert.Contains("does not export wg_output_dims", e.Message);
    }

    [Fact]
    public void ItRefusesDynamicDimsOutsideTheShape()
    {
        var e = Assert.Throws<WasmGraphException>(() => _runtime.Load(TestModules.Build(Wat(), Metadata(2)), new RuntimeOptions()));

        Assert.Contains("dynamic_dims [2] that are not distinct axes of shape [2,4]", e.Message);
    }

    [Fact]
    public void AStaticOutputIgnoresTheDimsExport()
    {
        using var session = _runtime.Load(TestModules.Build(Wat(), Metadata()), new RuntimeOptions());

        Assert.Equal(new Shape(2, 4), session.Run(N(1))["y"].Type.Shape);
    }
}
