using System.Collections.Immutable;
using System.Text;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.IO;

namespace WasmGraph.Host.Tests;

/// <summary>
/// Hand-written WAT modules for CLI tests that need a module in milliseconds rather than a compile: the first input's
/// first four floats plus one and plus two go to two outputs, whose names, like the input's shape, the test chooses.
/// </summary>
public static class TinyModules
{
    private const string Wat = """
        (module
          (memory (export "memory") 1)
          (func (export "wg_abi_version") (result i32) (i32.const 1))
          (func (export "wg_input_ptr") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 1024)) (else (i32.const -1))))
          (func (export "wg_output_ptr") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 8192))
              (else (if (result i32) (i32.eq (local.get 0) (i32.const 1)) (then (i32.const 8208)) (else (i32.const -1))))))
          (func (export "wg_run") (result i32)
            (local $i i32)
            (loop $next
              (f32.store offset=8192 (local.get $i) (f32.add (f32.load offset=1024 (local.get $i)) (f32.const 1)))
              (f32.store offset=8208 (local.get $i) (f32.add (f32.load offset=1024 (local.get $i)) (f32.const 2)))
              (local.set $i (i32.add (local.get $i) (i32.const 4)))
              (br_if $next (i32.lt_u (local.get $i) (i32.const 16))))
            (i32.const 0)))
        """;

    /// <summary>Writes the module to <paramref name="path"/>: input "x" of <paramref name="inputShape"/> (float32), two float32[4] outputs.</summary>
    public static string Write(string path, long[] inputShape, string firstOutput = "y", string secondOutput = "z")
    {
        long inputBytes = inputShape.Aggregate(4L, (a, d) => a * d);
        var metadata = new ModelMetadata
        {
            Name = "tiny",
            Producer = "hand-written WAT",
            Opset = 17,
            Inputs = [new TensorInfo("x", "float32", inputShape.ToImmutableArray(), inputBytes)],
            Outputs = [new TensorInfo(firstOutput, "float32", [4], 16), new TensorInfo(secondOutput, "float32", [4], 16)],
            ArenaBytes = 32,
            Hints = ImmutableDictionary<string, string>.Empty,
        };
        var wasm = WasmCustomSection.Append(Wasmtime.Module.ConvertText(Wat), ModuleAbi.MetadataSection, Encoding.UTF8.GetBytes(metadata.ToJson()));
        File.WriteAllBytes(path, wasm);
        return path;
    }

    /// <summary>A float32[4] input file.</summary>
    public static string Input(string path, params float[] values)
    {
        NpyFile.Write(path, TensorData.FromFloats(new Shape(values.Length), values));
        return path;
    }

}
