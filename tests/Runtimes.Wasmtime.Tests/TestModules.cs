using System.Collections.Immutable;
using System.Text;
using Wasmtime;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Runtimes.Wasmtime.Tests;

/// <summary>
/// Hand-written modules that implement the ABI, so the runtime is tested without the LLVM backend. WAT is converted
/// to binary in-process by Wasmtime's own <c>wat</c> crate (<see cref="Module.ConvertText"/>), then the metadata is
/// appended as a custom section, exactly where a linker would leave it.
/// </summary>
internal static class TestModules
{
    public const int InputAddress = 1024;
    public const int OutputAddress = 2048;

    /// <summary>y = x + 1 over float32[4]; if x[0] is negative it loops forever, to exercise the time limit.</summary>
    public const string AddOneBody = """
        (local $i i32)
        (if (f32.lt (f32.load (i32.const 1024)) (f32.const 0))
          (then (loop $forever (br $forever))))
        (loop $next
          (f32.store offset=2048 (local.get $i) (f32.add (f32.load offset=1024 (local.get $i)) (f32.const 1)))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br_if $next (i32.lt_u (local.get $i) (i32.const 16))))
        (i32.const 0)
        """;

    public static ModelMetadata AddOneMetadata { get; } = new()
    {
        Name = "add-one",
        Producer = "hand-written WAT",
        Opset = 17,
        Inputs = [new TensorInfo("x", "float32", [4], 16)],
        Outputs = [new TensorInfo("y", "float32", [4], 16)],
        ArenaBytes = 32,
        Hints = ImmutableDictionary<string, string>.Empty.Add("layout", "N"),
    };

    /// <summary>The add-one model as a complete, valid module with metadata.</summary>
    public static byte[] AddOne() => Build(AbiWat(AddOneBody), AddOneMetadata);

    /// <summary>
    /// A module that implements the ABI with one input at 1024 and one output at 2048; <paramref name="runBody"/> is
    /// the body of <c>wg_run</c> (must leave an i32), <paramref name="extra"/> goes inside the module (imports, etc.).
    /// </summary>
    public static string AbiWat(string runBody, int pages = 1, int abiVersion = 1, string extra = "", string? memory = null) => $$"""
        (module
          {{extra}}
          {{memory ?? $"(memory (export \"memory\") {pages})"}}
          (func (export "wg_abi_version") (result i32) (i32.const {{abiVersion}}))
          (func (export "wg_input_ptr") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0)) (then (i32.const {{InputAddress}})) (else (i32.const -1))))
          (func (export "wg_output_ptr") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0)) (then (i32.const {{OutputAddress}})) (else (i32.const -1))))
          (func (export "wg_run") (result i32)
            {{runBody}}))
        """;

    /// <summary>WAT → wasm, plus a <c>wasmgraph.meta</c> section when <paramref name="metadata"/> is given.</summary>
    public static byte[] Build(string wat, ModelMetadata? metadata)
    {
        var wasm = Module.ConvertText(wat);
        return metadata is null ? wasm : AppendCustomSection(wasm, ModuleAbi.MetadataSection, Encoding.UTF8.GetBytes(metadata.ToJson()));
    }

    /// <summary>Appends a custom section: id 0, LEB128 size, then the LEB128-prefixed UTF-8 name and the content.</summary>
    public static byte[] AppendCustomSection(byte[] wasm, string name, byte[] content) => WasmCustomSection.Append(wasm, name, content);

}
