using System.Collections.Immutable;
using System.Text;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Serve.Tests;

/// <summary>
/// A hand-written module whose input decides how it behaves, for the serving tests that need a request to be slow,
/// to loop forever or to trap, in milliseconds rather than a compile: input "x" float32[4], output "y" = x + 1.
/// <list type="bullet">
/// <item>x[0] ≥ 0: spins x[0] × 10⁸ loop iterations first (about 0.1–0.5 s per unit here), then answers;</item>
/// <item>−1.5 &lt; x[0] &lt; −0.5: loops forever (only the time limit ends it);</item>
/// <item>x[0] ≤ −1.5: traps (<c>unreachable</c>).</item>
/// </list>
/// </summary>
public static class SlowModule
{
    private const string Wat = """
        (module
          (memory (export "memory") 1)
          (func (export "wg_abi_version") (result i32) (i32.const 1))
          (func (export "wg_input_ptr") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 1024)) (else (i32.const -1))))
          (func (export "wg_output_ptr") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 8192)) (else (i32.const -1))))
          (func (export "wg_run") (result i32)
            (local $i i32)
            (local $n i64)
            (local $k i64)
            (if (f32.le (f32.load (i32.const 1024)) (f32.const -1.5)) (then unreachable))
            (if (f32.lt (f32.load (i32.const 1024)) (f32.const -0.5)) (then (loop $forever (br $forever))))
            (local.set $n (i64.trunc_sat_f32_u (f32.mul (f32.load (i32.const 1024)) (f32.const 100000000))))
            (block $done
              (loop $spin
                (br_if $done (i64.ge_u (local.get $k) (local.get $n)))
                (local.set $k (i64.add (local.get $k) (i64.const 1)))
                (br $spin)))
            (loop $next
              (f32.store offset=8192 (local.get $i) (f32.add (f32.load offset=1024 (local.get $i)) (f32.const 1)))
              (local.set $i (i32.add (local.get $i) (i32.const 4)))
              (br_if $next (i32.lt_u (local.get $i) (i32.const 16))))
            (i32.const 0)))
        """;

    /// <summary>Writes the module to <paramref name="path"/>.</summary>
    public static string Write(string path)
    {
        var metadata = new ModelMetadata
        {
            Name = "slow",
            Producer = "hand-written WAT",
            Opset = 17,
            Inputs = [new TensorInfo("x", "float32", [4], 16)],
            Outputs = [new TensorInfo("y", "float32", [4], 16)],
            ArenaBytes = 32,
            Hints = ImmutableDictionary<string, string>.Empty,
        };
        var wasm = WasmCustomSection.Append(Wasmtime.Module.ConvertText(Wat), ModuleAbi.MetadataSection, Encoding.UTF8.GetBytes(metadata.ToJson()));
        File.WriteAllBytes(path, wasm);
        return path;
    }

    /// <summary>The JSON infer body for input x = [first, 1, 2, 3].</summary>
    public static string Request(float first)
        => $$"""{"inputs":[{"name":"x","shape":[4],"datatype":"FP32","data":[{{first.ToString(System.Globalization.CultureInfo.InvariantCulture)}},1,2,3]}]}""";
}
