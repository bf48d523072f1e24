using System.Collections.Immutable;
using System.Text;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.IO;

namespace WasmGraph.Host.Tests;

/// <summary>
/// The runtime sandbox seen from the command line: hand-written hostile modules (WAT) under <c>run --timeout</c> and
/// <c>--max-memory</c> end with exit 2 and one clear line, and the next run of a good module succeeds; two runs
/// sharing one compiled-module cache at once both succeed and leave one intact entry.
/// </summary>
public sealed class HostileModuleCliTests : IDisposable
{
    private readonly TempDirectory _dir = TestPaths.NewTempDirectory();

    public void Dispose() => _dir.Dispose();

    /// <summary>y = x + 1 over float32[4], looping forever when x[0] is negative; <paramref name="prologue"/> runs first.</summary>
    private static string AddOneWat(string prologue = "", string imports = "") => $$"""
        (module
          {{imports}}
          (memory (export "memory") 1)
          (func (export "wg_abi_version") (result i32) (i32.const 1))
          (func (export "wg_input_ptr") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 1024)) (else (i32.const -1))))
          (func (export "wg_output_ptr") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 2048)) (else (i32.const -1))))
          (func (export "wg_run") (result i32)
            (local $i i32)
            {{prologue}}
            (if (f32.lt (f32.load (i32.const 1024)) (f32.const 0)) (then (loop $forever (br $forever))))
            (loop $next
              (f32.store offset=2048 (local.get $i) (f32.add (f32.load offset=1024 (local.get $i)) (f32.const 1)))
              (local.set $i (i32.add (local.get $i) (i32.const 4)))
              (br_if $next (i32.lt_u (local.get $i) (i32.const 16))))
            (i32.const 0)))
        """;

    private string Module(string name, string wat)
    {
        var metadata = new ModelMetadata
        {
            Name = name,
            Producer = "hand-written WAT",
            Opset = 17,
            Inputs = [new TensorInfo("x", "float32", [4], 16)],
            Outputs = [new TensorInfo("y", "float32", [4], 16)],
            ArenaBytes = 32,
            Hints = ImmutableDictionary<string, string>.Empty,
        };
        var wasm = WasmCustomSection.Append(Wasmtime.Module.ConvertText(wat), ModuleAbi.MetadataSection, Encoding.UTF8.GetBytes(metadata.ToJson()));
        var path = _dir.File(name + ".wasm");
        File.WriteAllBytes(path, wasm);
        return path;
    }

    private string Input(params float[] values)
    {
        var path = _dir.File($"x{Guid.NewGuid():N}.npy");
        NpyFile.Write(path, TensorData.FromFloats(new Shape(values.Length), values));
        return path;
    }

    private HostResult Run(string module, string input, params string[] extra)
        => HostProcess.Run(["run", module, "--input", "x=" + input, .. extra],
                           new Dictionary<string, string> { ["WASMGRAPH_Pipeline__Runtime__Cache"] = _dir.File("cache") });

    private static void AssertUserError(HostResult result, string expected)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(expected, result.StdErr);
        Assert.DoesNotContain("internal error", result.StdErr);
        Assert.DoesNotContain("   at ", result.StdErr);
    }

    [Fact]
    public void AnInfiniteLoopIsStoppedByTimeoutAndTheNextRunSucceeds()
    {
        var module = Module("add-one", AddOneWat());

        AssertUserError(Run(module, Input(-1, 0, 0, 0), "--timeout", "0.5"), "run exceeded the time limit of 500 ms");

        var good = Run(module, Input(1, 2, 3, 4), "--timeout", "10");
        Assert.True(good.ExitCode == 0, good.ToString());
        Assert.Contains("3.5", good.StdOut); // mean of 2, 3, 4, 5
    }

    [Fact]
    public void GrowingPastMaxMemoryIsAnErrorAndWithoutTheLimitItRuns()
    {
        var module = Module("grow", AddOneWat("(if (i32.eq (memory.grow (i32.const 32)) (i32.const -1)) (then unreachable))"));

        AssertUserError(Run(module, Input(1, 2, 3, 4), "--max-memory", "1"), "limit 1048576 bytes");

        var unlimited = Run(module, Input(1, 2, 3, 4));
        Assert.True(unlimited.ExitCode == 0, unlimited.ToString());
    }

    [Fact]
    public void AnOutOfBoundsAccessIsAClearError()
    {
        var module = Module("oob", AddOneWat("(drop (i32.load (i32.const 70000)))"));

        AssertUserError(Run(module, Input(1, 2, 3, 4)), "out of bounds memory access");
    }

    [Fact]
    public void AModuleWithImportsIsRefused()
    {
        var module = Module("imports", AddOneWat(imports: "(import \"env\" \"log\" (func $log (param i32)))"));

        AssertUserError(Run(module, Input(1, 2, 3, 4)), "module imports 1 item");
    }

    [Fact]
    public void ATruncatedOrCorruptedModuleIsAClearError()
    {
        var bytes = File.ReadAllBytes(Module("whole", AddOneWat()));
        var truncated = _dir.File("truncated.wasm");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var corrupted = _dir.File("corrupted.wasm");
        File.WriteAllBytes(corrupted, bytes.Select((b, i) => i is > 8 and < 40 ? (byte)0xFF : b).ToArray());

        AssertUserError(Run(truncated, Input(1, 2, 3, 4)), truncated);
        var result = Run(corrupted, Input(1, 2, 3, 4));
        Assert.True(result.ExitCode == 2, result.ToString());
    }

    [Fact]
    public async Task TwoRunsSharingOneCacheAtOnceBothSucceed()
    {
        var module = Module("shared", AddOneWat());
        var input = Input(1, 2, 3, 4);

        var runs = Enumerable.Range(0, 3).Select(_ => Task.Run(() => Run(module, input, "--timeout", "30"))).ToArray();
        var results = await Task.WhenAll(runs);

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.ToString()));
        var entries = Directory.GetFiles(_dir.File("cache"));
        Assert.Single(entries, f => f.EndsWith(".cwasm", StringComparison.Ordinal));
        Assert.DoesNotContain(entries, f => f.EndsWith(".tmp", StringComparison.Ordinal));
        var again = Run(module, input, "--timeout", "30");
        Assert.True(again.ExitCode == 0, again.ToString());
    }

}
