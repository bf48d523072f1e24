using System.Collections.Immutable;
using System.Text;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.Cli;
using WasmGraph.Host.IO;
using WasmGraph.TestSupport;

namespace WasmGraph.Host.Tests;

/// <summary>
/// Names from a model or a module (inputs, outputs, nodes, ops, hints, producer, custom sections) and paths in error
/// messages reach the terminal with their control characters shown as escapes, never as ESC/OSC/CSI sequences that
/// would retitle the window, write the clipboard (OSC 52) or clear the screen.
/// </summary>
public sealed class TerminalInjectionTests : IDisposable
{
    private const string Osc = "\u001b]0;pwned\u0007";
    private const string Csi = "\u001b[2J\u009b31m";

    private readonly TempDirectory _dir = TestPaths.NewTempDirectory();

    public void Dispose() => _dir.Dispose();

    private static void AssertNoControlCharacters(HostResult result)
    {
        foreach (var (stream, text) in new[] { ("stdout", result.StdOut), ("stderr", result.StdErr) })
        {
            var bad = text.Where(c => Format.IsUnsafeForTerminal(c) && c is not '\n' and not '\r').ToList();
            Assert.True(bad.Count == 0, $"{stream} has raw control characters {string.Join(",", bad.Select(c => $"U+{(int)c:X4}"))}:\n{result}");
        }
        Assert.DoesNotContain("internal error", result.StdErr);
    }

    /// <summary>y = x + 1 over float32[4], whose metadata carries hostile strings everywhere a string can be.</summary>
    private string HostileModule()
    {
        const string wat = """
            (module
              (memory (export "memory") 1)
              (func (export "wg_abi_version") (result i32) (i32.const 1))
              (func (export "wg_input_ptr") (param i32) (result i32) (i32.const 1024))
              (func (export "wg_output_ptr") (param i32) (result i32) (i32.const 2048))
              (func (export "wg_run") (result i32)
                (local $i i32)
                (loop $next
                  (f32.store offset=2048 (local.get $i) (f32.add (f32.load offset=1024 (local.get $i)) (f32.const 1)))
                  (local.set $i (i32.add (local.get $i) (i32.const 4)))
                  (br_if $next (i32.lt_u (local.get $i) (i32.const 16))))
                (i32.const 0)))
            """;
        var metadata = new ModelMetadata
        {
            Name = "model" + Osc,
            Producer = "producer" + Csi,
            Opset = 17,
            Inputs = [new TensorInfo("x", "float32", [4], 16)],
            Outputs = [new TensorInfo("y" + Osc, "float32", [4], 16)],
            ArenaBytes = 32,
            Kernels = [new KernelInfo("k0" + Osc, "Relu" + Csi, 4)],
            Hints = ImmutableDictionary<string, string>.Empty.Add("note" + Osc, "value" + Csi),
        };
        var wasm = WasmCustomSection.Append(Wasmtime.Module.ConvertText(wat), ModuleAbi.MetadataSection, Encoding.UTF8.GetBytes(metadata.ToJson()));
        wasm = WasmCustomSection.Append(wasm, "section" + Osc, [1, 2, 3]);
        var path = _dir.File("hostile.wasm");
        File.WriteAllBytes(path, wasm);
        return path;
    }


    [Fact]
    public void InspectOfAModuleShowsItsHostileStringsEscaped()
    {
        var result = HostProcess.Run("inspect", HostileModule());

        AssertNoControlCharacters(result);
        Assert.True(result.ExitCode is 0 or 2, result.ToString());
        if (result.ExitCode == 0)
        {
            Assert.Contains("y\\x1b]0;pwned\\x07", result.StdOut);
        }
    }

    [Fact]
    public void RunOfAModuleShowsItsHostileOutputNameEscaped()
    {
        var input = _dir.File("x.npy");
        NpyFile.Write(input, TensorData.FromFloats(new Shape(4), [1, 2, 3, 4]));

        var result = HostProcess.Run(["run", HostileModule(), "--input", "x=" + input],
                                     new Dictionary<string, string> { ["WASMGRAPH_Pipeline__Runtime__Cache"] = _dir.File("cache") });

        AssertNoControlCharacters(result);
        Assert.True(result.ExitCode is 0 or 2, result.ToString());
    }

    [Fact]
    public void InspectOfAnOnnxModelShowsItsHostileNamesEscaped()
    {
        var model = _dir.File("hostile.onnx");
        new OnnxModelBuilder()
            .Name("graph" + Osc)
            .Producer("producer" + Csi, "1" + Osc)
            .Input("x" + Osc, DataType.Float32, 1, 4)
            .NamedNode("node" + Csi, "Relu" + Osc, ["x" + Osc], ["y" + Csi])
            .Output("y" + Csi, DataType.Float32, 1, 4)
            .Save(model);

        var result = HostProcess.Run("inspect", model);

        AssertNoControlCharacters(result);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Relu\\x1b]0;pwned\\x07", result.StdOut);
        Assert.Contains("graph\\x1b]0;pwned\\x07", result.StdOut);
    }

    /// <summary>
    /// --json writes past the escaping console: the JSON encoder's own escapes (\u001B) must keep the document safe to
    /// print, and the strings must read back unchanged.
    /// </summary>
    [Fact]
    public void InspectAndRunJsonCarryHostileStringsAsJsonEscapes()
    {
        var module = HostileModule();
        var input = _dir.File("x.npy");
        NpyFile.Write(input, TensorData.FromFloats(new Shape(4), [1, 2, 3, 4]));

        var inspect = HostProcess.Run("inspect", module, "--json");
        var run = HostProcess.Run(["run", module, "--input", "x=" + input, "--json"],
                                  new Dictionary<string, string> { ["WASMGRAPH_Pipeline__Runtime__Cache"] = _dir.File("cache") });

        foreach (var result in new[] { inspect, run })
        {
            AssertNoControlCharacters(result);
            Assert.True(result.ExitCode == 0, result.ToString());
        }
        using var inspected = System.Text.Json.JsonDocument.Parse(inspect.StdOut);
        Assert.Equal("y" + Osc, inspected.RootElement.GetProperty("metadata").GetProperty("outputs")[0].GetProperty("name").GetString());
        using var ran = System.Text.Json.JsonDocument.Parse(run.StdOut);
        Assert.Equal("y" + Osc, ran.RootElement.GetProperty("outputs")[0].GetProperty("name").GetString());
        Assert.Equal(3.5, ran.RootElement.GetProperty("outputs")[0].GetProperty("mean").GetDouble(), 6);
    }

    [Fact]
    public void AnErrorMessageQuotingAHostilePathIsEscaped()
    {
        var result = InProcessCli.Run("inspect", _dir.File("missing" + Osc + ".onnx"));

        Assert.True(result.ExitCode == 2, result.ToString());
        AssertNoControlCharacters(result);
        Assert.Contains("missing\\x1b]0;pwned\\x07.onnx", result.StdErr);
    }

    [Fact]
    public void AHostileUnknownFlagIsEscapedInTheError()
    {
        var result = InProcessCli.Run("run", "m.wasm", "--x" + Osc);

        Assert.True(result.ExitCode == 2, result.ToString());
        AssertNoControlCharacters(result);
    }
}
