using System.Diagnostics;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Runtimes.Wasmtime.Tests;

/// <summary>
/// <see cref="RuntimeOptions.Cancellation"/> stops a call that is running in wasm (an infinite loop, a start function)
/// within a tick of the epoch clock, as an <see cref="OperationCanceledException"/> rather than a timeout or a trap, and
/// takes precedence over a time limit; a session or load that sees it already cancelled does not start.
/// </summary>
public sealed class CancellationTests : IDisposable
{
    private readonly WasmtimeRuntime _runtime = new();

    public void Dispose() => _runtime.Dispose();

    private static Dictionary<string, TensorData> X(params float[] values)
        => new() { ["x"] = TensorData.FromFloats(new Shape(values.Length), values) };

    /// <summary>Runs <paramref name="work"/> on its own thread, cancels after <paramref name="delayMs"/>, and returns what it threw and how long after the cancel.</summary>
    private static (Exception? Error, TimeSpan AfterCancel) CancelDuring(Action work, CancellationTokenSource source, int delayMs = 300)
    {
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                work();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        Thread.Sleep(delayMs);
        Assert.True(thread.IsAlive, "the call finished before it was cancelled");
        var clock = Stopwatch.StartNew();
        source.Cancel();
        Assert.True(thread.Join(TimeSpan.FromSeconds(10)), "the call did not stop within 10 s of the cancellation");
        return (error, clock.Elapsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(60.0)] // with a time limit too: the cancellation is reported, not a timeout
    public void CancellingStopsAnInfiniteLoopPromptlyAndTheSessionStaysStopped(double? timeoutSeconds)
    {
        using var source = new CancellationTokenSource();
        var options = new RuntimeOptions
        {
            Cancellation = source.Token,
            Timeout = timeoutSeconds is { } s ? TimeSpan.FromSeconds(s) : null,
        };
        using var session = _runtime.Load(TestModules.AddOne(), options);

        var (error, afterCancel) = CancelDuring(() => session.Run(X(-1, 0, 0, 0)), source);

        Assert.IsType<OperationCanceledException>(error, exactMatch: false);
        Assert.Equal(source.Token, ((OperationCanceledException)error!).CancellationToken);
        Assert.InRange(afterCancel.TotalMilliseconds, 0, 1000);
        Assert.Throws<OperationCanceledException>(() => session.Run(X(1, 2, 3, 4)));
    }

    [Fact]
    public void ANewTokenRunsTheSameModuleAgain()
    {
        using var first = new CancellationTokenSource();
        using (var session = _runtime.Load(TestModules.AddOne(), new RuntimeOptions { Cancellation = first.Token }))
        {
            CancelDuring(() => session.Run(X(-1, 0, 0, 0)), first);
        }

        using var second = new CancellationTokenSource();
        using var fresh = _runtime.Load(TestModules.AddOne(), new RuntimeOptions { Cancellation = second.Token });
        Assert.Equal([2f, 3f, 4f, 5f], fresh.Run(X(1, 2, 3, 4))["y"].ToFloatArray());
    }

    [Fact]
    public void CancellingStopsALoopingStartFunction()
    {
        var wasm = TestModules.Build(
            TestModules.AbiWat("(i32.const 0)", extra: "(func $spin (loop $forever (br $forever))) (start $spin)"), TestModules.AddOneMetadata);
        using var source = new CancellationTokenSource();

        var (error, afterCancel) = CancelDuring(() => _runtime.Load(wasm, new RuntimeOptions { Cancellation = source.Token }).Dispose(), source);

        Assert.IsType<OperationCanceledException>(error, exactMatch: false);
        Assert.InRange(afterCancel.TotalMilliseconds, 0, 1000);
    }

    [Fact]
    public void AnAlreadyCancelledTokenStopsLoadBeforeCompiling()
    {
        using var source = new CancellationTokenSource();
        source.Cancel();

        Assert.Throws<OperationCanceledException>(() => _runtime.Load(TestModules.AddOne(), new RuntimeOptions { Cancellation = source.Token }));
    }

    [Fact]
    public void TheTimeLimitStillReportsATimeoutWhenATokenIsGivenButNotCancelled()
    {
        using var source = new CancellationTokenSource();
        using var session = _runtime.Load(TestModules.AddOne(),
            new RuntimeOptions { Cancellation = source.Token, Timeout = TimeSpan.FromMilliseconds(200) });

        var error = Assert.Throws<WasmGraphException>(() => session.Run(X(-1, 0, 0, 0)));

        Assert.Equal("run exceeded the time limit of 200 ms", error.Message);
        Assert.Equal([2f, 3f, 4f, 5f], session.Run(X(1, 2, 3, 4))["y"].ToFloatArray());
    }
}
