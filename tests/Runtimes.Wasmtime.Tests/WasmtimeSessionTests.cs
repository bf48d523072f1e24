using System.Diagnostics;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Runtimes.Wasmtime.Tests;

public sealed class WasmtimeSessionTests : IDisposable
{
    private readonly WasmtimeRuntime _runtime = new();

    public void Dispose() => _runtime.Dispose();

    private static Dictionary<string, TensorData> X(params float[] values)
        => new() { ["x"] = TensorData.FromFloats(new Shape(values.Length), values) };

    private static WasmGraphException RunFails(IModelSession session, IReadOnlyDictionary<string, TensorData> inputs)
        => Assert.Throws<WasmGraphException>(() => session.Run(inputs));

    [Fact]
    public void ItAddsOneToEveryElement()
    {
        using var session = _runtime.Load(TestModules.AddOne(), new RuntimeOptions());

        var outputs = session.Run(X(1f, 2.5f, -0f, 100f));

        var y = Assert.Single(outputs);
        Assert.Equal("y", y.Key);
        Assert.Equal(new TensorType(DataType.Float32, new Shape(4)), y.Value.Type);
        Assert.Equal([2f, 3.5f, 1f, 101f], y.Value.ToFloatArray());
    }

    [Fact]
    public void ItCanRunTheSameSessionRepeatedly()
    {
        using var session = _runtime.Load(TestModules.AddOne(), new RuntimeOptions());

        for (int i = 0; i < 100; i++)
        {
            Assert.Equal([i + 1f, 1f, 1f, 1f], session.Run(X(i, 0, 0, 0))["y"].ToFloatArray());
        }
    }

    [Fact]
    public void ItNamesAMissingInput()
    {
        using var session = _runtime.Load(TestModules.AddOne(), new RuntimeOptions());

        Assert.Equal("missing input 'x' (float32[4]); the model's inputs are: x float32[4]", RunFails(session, new Dictionary<string, TensorData>()).Message);
    }

    [Fact]
    public void ItNamesAnInputOfTheWrongShape()
    {
        using var session = _runtime.Load(TestModules.AddOne(), new RuntimeOptions());
        var inputs = new Dictionary<string, TensorData> { ["x"] = TensorData.FromFloats(new Shape(2, 2), [1, 2, 3, 4]) };

        Assert.Equal("input 'x' must be float32[4], got float32[2,2]", RunFails(session, inputs).Message);
    }

    [Fact]
    public void ItNamesAnInputOfTheWrongType()
    {
        using var session = _runtime.Load(TestModules.AddOne(), new RuntimeOptions());
        var inputs = new Dictionary<string, TensorData> { ["x"] = TensorData.FromArray(DataType.Int32, new Shape(4), new int[] { 1, 2, 3, 4 }) };

        Assert.Equal("input 'x' must be float32[4], got int32[4]", RunFails(session, inputs).Message);
    }

    [Fact]
    public void ItRejectsAnUnknownInput()
    {
        using var session = _runtime.Load(TestModules.AddOne(), new RuntimeOptions());
        var inputs = X(1, 2, 3, 4);
        inputs["z"] = TensorData.FromFloats(new Shape(1), [0]);

        Assert.Equal("unknown input 'z'; the model's inputs are: x float32[4]", RunFails(session, inputs).Message);
    }

    [Fact]
    public void ItReportsANonZeroStatusFromTheModel()
    {
        using var session = _runtime.Load(TestModules.Build(TestModules.AbiWat("(i32.const 3)"), TestModules.AddOneMetadata), new RuntimeOptions());

        Assert.Equal("run failed: wg_run returned 3", RunFails(session, X(1, 2, 3, 4)).Message);
    }

    [Fact]
    public void ItStopsAnInfiniteLoopAtTheTimeLimitAndRecovers()
    {
        var options = new RuntimeOptions { Timeout = TimeSpan.FromMilliseconds(200) };
        using var session = _runtime.Load(TestModules.AddOne(), options);

        var clock = Stopwatch.StartNew();
        Assert.Equal("run exceeded the time limit of 200 ms", RunFails(session, X(-1, 0, 0, 0)).Message);
        Assert.InRange(clock.ElapsedMilliseconds, 150, 5000);

        // The faulted instance is replaced, so the same session keeps working, as does a fresh one.
        Assert.Equal([2f, 3f, 4f, 5f], session.Run(X(1, 2, 3, 4))["y"].ToFloatArray());
        using var fresh = _runtime.Load(TestModules.AddOne(), options);
        Assert.Equal([2f, 3f, 4f, 5f], fresh.Run(X(1, 2, 3, 4))["y"].ToFloatArray());
    }

    [Fact]
    public void ItTurnsGrowthBeyondTheMemoryLimitIntoAnError()
    {
        // Like compiled C, the module traps when memory.grow reports failure (-1).
        const string growBody = "(if (i32.eq (memory.grow (i32.const 16)) (i32.const -1)) (then unreachable)) (i32.const 0)";
        var wasm = TestModules.Build(TestModules.AbiWat(growBody), TestModules.AddOneMetadata);
        using var limited = _runtime.Load(wasm, new RuntimeOptions { MaxMemoryBytes = 4 * 65536 });

        var error = RunFails(limited, X(1, 2, 3, 4));
        Assert.Contains("unreachable", error.Message);
        Assert.Contains("(linear memory: 65536 bytes in use, limit 262144 bytes)", error.Message);

        using var unlimited = _runtime.Load(wasm, new RuntimeOptions());
        unlimited.Run(X(1, 2, 3, 4));
    }

    [Fact]
    public void ItTurnsAnOutOfBoundsAccessIntoAnError()
    {
        var wasm = TestModules.Build(TestModules.AbiWat("(drop (i32.load (i32.const 70000))) (i32.const 0)"), TestModules.AddOneMetadata);
        using var session = _runtime.Load(wasm, new RuntimeOptions());

        var error = RunFails(session, X(1, 2, 3, 4));
        Assert.StartsWith("run failed: ", error.Message);
        Assert.Contains("out of bounds memory access", error.Message);
        Assert.DoesNotContain("\n", error.Message);
        Assert.IsType<global::Wasmtime.TrapException>(error.InnerException);
    }

    [Fact]
    public void ItRefusesToRunAfterDispose()
    {
        var session = _runtime.Load(TestModules.AddOne(), new RuntimeOptions());
        session.Dispose();

        Assert.Throws<ObjectDisposedException>(() => session.Run(X(1, 2, 3, 4)));
    }

    [Fact]
    public void SessionsOfOneRuntimeRunInParallel()
    {
        var wasm = TestModules.AddOne();
        Parallel.For(0, 8, i =>
        {
            using var session = _runtime.Load(wasm, new RuntimeOptions { Timeout = TimeSpan.FromSeconds(10) });
            Assert.Equal([i + 1f, 2f, 3f, 4f], session.Run(X(i, 1, 2, 3))["y"].ToFloatArray());
        });
    }
}
