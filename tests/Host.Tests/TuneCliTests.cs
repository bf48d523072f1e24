using System.Text.Json.Nodes;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Host.IO;
using WasmGraph.TestSupport;

namespace WasmGraph.Host.Tests;

/// <summary>
/// Issue 10, deliverable 2: <c>wasmgraph tune</c> measures each conv shape's algorithms and writes a log; a second run
/// reuses it; <c>compile --tuning</c> applies it (visible in <c>compile --verbose</c> and <c>inspect</c>'s kernel
/// choices) and the module still matches ONNX Runtime; a bad log is exit 2 naming the file and the entry.
/// </summary>
public sealed class TuneCliTests
{
    /// <summary>Three 3×3 convs of three shapes, each with four algorithms that fit (outputs 12×12, 12×12, 10×10).</summary>
    private static OnnxModelBuilder ThreeConvs() => new OnnxModelBuilder().Opset(13)
        .Input("x", DataType.Float32, 1, 4, 12, 12)
        .Initializer("wa", TestTensors.Random([8, 4, 3, 3], seed: 11))
        .Initializer("ba", TestTensors.Random([8], seed: 12))
        .Initializer("wb", TestTensors.Random([8, 8, 3, 3], seed: 13))
        .Initializer("wc", TestTensors.Random([4, 8, 3, 3], seed: 14))
        .NamedNode("conv_a", "Conv", ["x", "wa", "ba"], ["a"], OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1))
        .NamedNode("relu_a", "Relu", ["a"], ["ar"])
        .NamedNode("conv_b", "Conv", ["ar", "wb"], ["b"], OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1))
        .NamedNode("conv_c", "Conv", ["b", "wc"], ["y"], OnnxAttr.Ints("kernel_shape", 3, 3))
        .Output("y", DataType.Float32);

    private const string KeyA = "conv2d C=4 M=8 H=12 W=12 K=3x3 S=1x1 D=1x1 P=1,1,1,1 G=1";
    private const string KeyB = "conv2d C=8 M=8 H=12 W=12 K=3x3 S=1x1 D=1x1 P=1,1,1,1 G=1";
    private const string KeyC = "conv2d C=8 M=4 H=12 W=12 K=3x3 S=1x1 D=1x1 P=0,0,0,0 G=1";

    [Fact]
    public void TheLogIsWrittenReusedAndAppliedAndTheModuleStillMatchesOnnxRuntime()
    {
        using var dir = TestPaths.NewTempDirectory();
        var bytes = ThreeConvs().ToBytes();
        File.WriteAllBytes(dir.File("m.onnx"), bytes);
        var log = dir.File("m.tuning.json");

        var first = HostProcess.Run(["tune", dir.File("m.onnx"), "-o", log, "--repeat", "3"], null, timeoutSeconds: 600);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("measured 3, reused 0 of 3 workload(s)", first.StdOut);
        var json = JsonNode.Parse(File.ReadAllText(log))!;
        Assert.Equal(1, (int)json["version"]!);
        var entries = json["entries"]!.AsArray();
        Assert.Equal([KeyA, KeyC, KeyB], entries.Select(e => (string)e!["key"]!).Order(StringComparer.Ordinal));
        foreach (var entry in entries)
        {
            var candidates = entry!["candidates"]!.AsObject();
            Assert.Equal(["direct", "winograd2", "winograd4", "winograd6"], candidates.Select(c => c.Key));
            Assert.Equal(candidates.Min(c => (double)c.Value!), (double)entry["ms"]!);
            Assert.Equal((double)candidates[(string)entry["choice"]!]!, (double)entry["ms"]!);
        }

        // Resumed: nothing is measured again and the file is unchanged.
        var before = File.ReadAllBytes(log);
        var second = HostProcess.Run(["tune", dir.File("m.onnx"), "-o", log], null, timeoutSeconds: 600);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("measured 0, reused 3 of 3 workload(s)", second.StdOut);
        Assert.Equal(before, File.ReadAllBytes(log));

        // The tuner's own log applies to every conv.
        var tuned = HostProcess.Run("compile", dir.File("m.onnx"), "-o", dir.File("t.wasm"), "--tuning", log, "--verbose");
        Assert.True(tuned.ExitCode == 0, tuned.ToString());
        var choices = entries.ToDictionary(e => (string)e!["key"]!, e => (string)e!["choice"]!);
        AssertChoice(tuned.StdOut, "conv_a", choices[KeyA], "tuned");
        AssertChoice(tuned.StdOut, "conv_b", choices[KeyB], "tuned");
        AssertChoice(tuned.StdOut, "conv_c", choices[KeyC], "tuned");

        // A log whose choices differ from the defaults and from each other: each conv gets exactly its entry's
        // algorithm, an entry for another target is ignored with a note, and the numbers match ONNX Runtime.
        var target = (string)entries[0]!["target"]!;
        SetChoices(log, new() { [KeyA] = "winograd6", [KeyB] = "winograd2", [KeyC] = "direct" }, otherTarget: "+simd128");
        var compile = HostProcess.Run("compile", dir.File("m.onnx"), "-o", dir.File("m.wasm"), "--tuning", log, "--verbose");
        Assert.True(compile.ExitCode == 0, compile.ToString());
        Assert.Contains($"3 entries for target '{target}' applied where their shapes occur; 1 for other targets ignored", compile.StdOut);
        AssertChoice(compile.StdOut, "conv_a", "winograd6", "tuned");
        AssertChoice(compile.StdOut, "conv_b", "winograd2", "tuned");
        AssertChoice(compile.StdOut, "conv_c", "direct", "tuned");

        var inspect = HostProcess.Run("inspect", dir.File("m.wasm"));
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.Contains("kernel choices", inspect.StdOut);
        AssertChoice(inspect.StdOut, "conv_a", "winograd6", "tuned");
        AssertChoice(inspect.StdOut, "conv_b", "winograd2", "tuned");
        AssertChoice(inspect.StdOut, "conv_c", "direct", "tuned");

        // Without the log the built-in table decides: none of these shapes is in it, so all stay direct.
        var plain = HostProcess.Run("compile", dir.File("m.onnx"), "-o", dir.File("d.wasm"), "--verbose");
        Assert.True(plain.ExitCode == 0, plain.ToString());
        AssertChoice(plain.StdOut, "conv_a", "direct", "default");

        var x = TestTensors.Random([1, 4, 12, 12], seed: 1);
        NpyFile.Write(dir.File("x.npy"), x);
        var run = HostProcess.Run("run", dir.File("m.wasm"), "--input", "x=" + dir.File("x.npy"), "--output-dir", dir.File("out"));
        Assert.True(run.ExitCode == 0, run.ToString());
        var expected = OnnxRuntimeOracle.Run(bytes, new Dictionary<string, TensorData> { ["x"] = x });
        // Winograd F(6,3) loses the most bits (docs/performance.md: ≤ 7.8e-6 × max|ref| on single convs).
        TensorAssert.Close(expected["y"], NpyFile.Read(dir.File("out/y.npy")), 1e-4, "tuned module (F(6,3), F(2,3), direct)");
    }

    [Theory]
    [InlineData("{ \"version\": 1, \"entries\": [", "not a tuning log")]
    [InlineData("{ \"version\": 2, \"entries\": [] }", "tuning log version 2 is not supported; this build reads version 1")]
    [InlineData("{ \"version\": 1, \"entries\": [], \"extra\": 1 }", "not a tuning log")]
    [InlineData("ENTRY:conv2d C=4 M=8 H=12 W=12 K=3x3 S=1x1 D=1x1 P=1,1,1,1 G=1|fft", "entry 0 (key 'conv2d C=4 M=8 H=12 W=12 K=3x3 S=1x1 D=1x1 P=1,1,1,1 G=1'): choice 'fft' is not a convolution algorithm (known: direct, winograd2, winograd4, winograd6)")]
    [InlineData("ENTRY:conv2d C=4 M=8 H=12 W=12 K=1x1 S=1x1 D=1x1 P=0,0,0,0 G=1|winograd4", "entry 0 (key 'conv2d C=4 M=8 H=12 W=12 K=1x1 S=1x1 D=1x1 P=0,0,0,0 G=1'): choice 'winograd4' does not fit this shape: winograd4 needs a 3×3 kernel, stride 1, dilation 1, one group and an output of at least 4×4")]
    [InlineData("ENTRY:conv2d C=4 M=8 H=3 W=3 K=3x3 S=1x1 D=1x1 P=0,0,0,0 G=1|winograd2", "choice 'winograd2' does not fit this shape")]
    [InlineData("ENTRY:gemm M=4 N=4 K=4|direct", "entry 0 (key 'gemm M=4 N=4 K=4'): not a convolution shape llvm-wasm tunes")]
    [InlineData("ENTRY:conv2d C=4 M=8 H=12 W=12 K=3x3 S=1x1 D=1x1 P=1,1,1,1 G=3|direct", "not a convolution shape llvm-wasm tunes")]
    public void ABadTuningLogIsRefusedNamingTheFileAndTheEntry(string content, string message)
    {
        using var dir = TestPaths.NewTempDirectory();
        File.WriteAllBytes(dir.File("m.onnx"), ThreeConvs().ToBytes());
        var log = dir.File("bad.tuning.json");
        File.WriteAllText(log, content.StartsWith("ENTRY:", StringComparison.Ordinal) ? LogWith(content[6..]) : content);
        var result = HostProcess.Run("compile", dir.File("m.onnx"), "-o", dir.File("m.wasm"), "--tuning", log);
        Assert.True(result.ExitCode == 2, result.ToString());
        var error = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains(log, error);
        Assert.Contains(message, error);
        Assert.DoesNotContain("   at ", result.All); // no stack trace
        Assert.False(File.Exists(dir.File("m.wasm")));
    }

    [Fact]
    public void AHugeTuningLogIsRefusedBeforeItIsRead()
    {
        using var dir = TestPaths.NewTempDirectory();
        File.WriteAllBytes(dir.File("m.onnx"), ThreeConvs().ToBytes());
        var log = dir.File("huge.tuning.json");
        using (var stream = File.Create(log))
        {
            stream.SetLength(5L << 20);
        }
        var result = HostProcess.Run("compile", dir.File("m.onnx"), "-o", dir.File("m.wasm"), "--tuning", log);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"tuning file {log}: 5,242,880 bytes is more than the limit of 4,194,304 bytes", result.StdErr);
        Assert.False(File.Exists(dir.File("m.wasm")));
    }

    [Fact]
    public void TuneRefusesToResumeFromADamagedLogAndLeavesItAlone()
    {
        using var dir = TestPaths.NewTempDirectory();
        File.WriteAllBytes(dir.File("m.onnx"), ThreeConvs().ToBytes());
        var log = dir.File("m.tuning.json");
        File.WriteAllText(log, "{ \"version\": 7, \"entries\": [] }");
        var result = HostProcess.Run("tune", dir.File("m.onnx"), "-o", log);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"{log}: tuning log version 7 is not supported", result.StdErr);
        Assert.Equal("{ \"version\": 7, \"entries\": [] }", File.ReadAllText(log));
    }

    [Fact]
    public void TuneTargetMeasuresForThatProfileAndItsEntriesApplyToThatProfilesCompile()
    {
        using var dir = TestPaths.NewTempDirectory();
        File.WriteAllBytes(dir.File("m.onnx"), ThreeConvs().ToBytes());
        var log = dir.File("m.tuning.json");
        var tune = HostProcess.Run(["tune", dir.File("m.onnx"), "-o", log, "--repeat", "1", "--target", "simd128"], null, timeoutSeconds: 600);
        Assert.True(tune.ExitCode == 0, tune.ToString());
        var targets = JsonNode.Parse(File.ReadAllText(log))!["entries"]!.AsArray().Select(e => (string)e!["target"]!).Distinct().ToList();
        // The simd128 profile's features, signed and sorted by name: no relaxed-simd.
        Assert.Equal(["+bulk-memory,+nontrapping-fptoint,-relaxed-simd,+sign-ext,+simd128"], targets);

        var simd = HostProcess.Run("compile", dir.File("m.onnx"), "-o", dir.File("s.wasm"), "--tuning", log, "--target", "simd128", "--verbose");
        Assert.True(simd.ExitCode == 0, simd.ToString());
        Assert.Contains("3 entries for target '+bulk-memory,+nontrapping-fptoint,-relaxed-simd,+sign-ext,+simd128' applied", simd.StdOut);
        var relaxed = HostProcess.Run("compile", dir.File("m.onnx"), "-o", dir.File("r.wasm"), "--tuning", log, "--verbose");
        Assert.True(relaxed.ExitCode == 0, relaxed.ToString());
        Assert.Contains("0 entries for target", relaxed.StdOut);

        var all = HostProcess.Run("tune", dir.File("m.onnx"), "-o", dir.File("all.json"), "--target", "all");
        Assert.True(all.ExitCode == 2, all.ToString());
        Assert.Contains("--target all: tune measures one profile at a time", all.StdErr);
        Assert.False(File.Exists(dir.File("all.json")));
    }

    /// <summary>A row of the kernel choices table: the kernel's name, then its algorithm and what chose it.</summary>
    private static void AssertChoice(string output, string kernel, string algorithm, string chosenBy)
    {
        var row = output.Split('\n').FirstOrDefault(l => l.Contains($" {kernel} ", StringComparison.Ordinal) && l.Contains("Conv", StringComparison.Ordinal));
        Assert.True(row is not null, $"no kernel choices row for {kernel}:\n{output}");
        var cells = row.Split('│', StringSplitOptions.TrimEntries);
        Assert.True(cells.Contains(algorithm) && cells.Contains(chosenBy), $"{kernel}: expected {algorithm} ({chosenBy}) in: {row}");
    }

    /// <summary>Rewrites the log's choices (each still one of its candidates) and adds an entry for another target.</summary>
    private static void SetChoices(string path, Dictionary<string, string> choices, string otherTarget)
    {
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        var entries = json["entries"]!.AsArray();
        foreach (var entry in entries)
        {
            var choice = choices[(string)entry!["key"]!];
            entry["choice"] = choice;
            entry["ms"] = (double)entry["candidates"]![choice]!;
        }
        var other = entries[0]!.DeepClone();
        other["target"] = otherTarget;
        entries.Add(other);
        File.WriteAllText(path, json.ToJsonString());
    }

    /// <summary>A version-1 log with one entry for the default target: "KEY|CHOICE".</summary>
    private static string LogWith(string keyAndChoice)
    {
        var (key, choice) = (keyAndChoice.Split('|')[0], keyAndChoice.Split('|')[1]);
        const string target = "+bulk-memory,+nontrapping-fptoint,+relaxed-simd,+sign-ext,+simd128";
        return $$"""
            { "version": 1, "entries": [ { "key": "{{key}}", "target": "{{target}}", "choice": "{{choice}}", "ms": 1.0,
              "candidates": { "{{choice}}": 1.0 }, "repeat": 3, "measured": "2026-12-06T13:00:00+00:00" } ] }
            """;
    }
}
