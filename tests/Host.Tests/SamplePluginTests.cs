using System.Diagnostics;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Host.IO;

namespace WasmGraph.Host.Tests;

/// <summary>
/// The plugin samples of docs/plugins.md, built exactly as the doc says (<c>dotnet build samples/X -o plugins/X</c>)
/// into a temp plugins folder beside links to the built-in plugins, then driven through the host: the count-flops pass
/// with options from a config file, the node runtime, whose outputs must equal Wasmtime's for the same module, and the
/// op plugin's com.example::Swish, imported, compiled and run with the right numbers.
/// </summary>
public sealed class SamplePluginTests : IClassFixture<SamplePluginTests.Built>
{
    private readonly Built _built;

    public SamplePluginTests(Built built) => _built = built;

    /// <summary>The samples built once, the built-in plugins linked in, and the tiny classifier written.</summary>
    public sealed class Built : IDisposable
    {
        public Built()
        {
            Directory.CreateDirectory(Plugins);
            foreach (var plugin in Directory.GetDirectories(TestPaths.PluginsDirectory))
            {
                Directory.CreateSymbolicLink(Path.Combine(Plugins, Path.GetFileName(plugin)), plugin);
            }
            foreach (var sample in new[] { "PassPlugin", "RuntimePlugin", "OpPlugin" })
            {
                var start = new ProcessStartInfo("dotnet")
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                    WorkingDirectory = TestPaths.RepoRoot,
                };
                foreach (var arg in new[] { "build", Path.Combine("samples", sample), "-o", Path.Combine(Plugins, sample), "-nologo", "--disable-build-servers", "-p:UseSharedCompilation=false" })
                {
                    start.ArgumentList.Add(arg);
                }
                // `dotnet test` sets MSBuild variables for its own build; a nested build must not inherit them.
                foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
                {
                    start.Environment.Remove(key);
                }
                var result = HostProcess.RunProcess(start, 300);
                Assert.True(result.ExitCode == 0, $"building samples/{sample} failed:\n{result}");
            }
            Model = TinyClassifier.Write(Root.File("tiny.onnx"), favoured: 3);
        }

        public TempDirectory Root { get; } = TestPaths.NewTempDirectory();
        public string Plugins => Path.Combine(Root.Path, "plugins");
        public string Model { get; }

        public string WriteConfig(string name, string json)
        {
            var path = Root.File(name);
            File.WriteAllText(path, json);
            return path;
        }

        public void Dispose() => Root.Dispose();
    }

    [Fact]
    public void ThePluginsVerbShowsTheSamplesWithTheirCapabilities()
    {
        var result = HostProcess.Run("plugins", "--plugins", _built.Plugins);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"│ pass\s+│ count-flops\s+│ requires: eliminate-dead-code\s+│ PassPlugin", result.StdOut);
        Assert.Matches(@"│ runtime\s+│ node\s+│\s+│ RuntimePlugin", result.StdOut);
        Assert.Matches(@"│ op\s+│ Swish\s+│ imports: com\.example::Swish; decomposes\s+│ OpPlugin", result.StdOut);
        Assert.DoesNotContain("registered no", result.StdOut);
        Assert.Matches(@"│ frontend\s+│ onnx\s+│ reads: \.onnx", result.StdOut);
        Assert.Matches(@"│ backend\s+│ llvm-wasm\s+│ lowers \d+ ops", result.StdOut);
    }

    [Fact]
    public void TheCountFlopsPassRunsWithItsConfiguredOptions()
    {
        var report = _built.Root.File("flops.txt");
        var config = _built.WriteConfig("flops.json", $$"""
            { "Pipeline": { "Passes": ["eliminate-dead-code", "count-flops"],
                            "PassOptions": { "count-flops": { "Report": "{{report}}", "Top": 1 } } } }
            """);

        var result = HostProcess.Run("compile", _built.Model, "-o", _built.Root.File("flops.wasm"), "--plugins", _built.Plugins, "--config", config, "--verbose");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"│ count-flops\s+│.*│ MFLOP 0, GlobalAveragePool nodes 1", result.StdOut);
        var lines = File.ReadAllLines(report);
        // GlobalAveragePool 3 + Flatten 3 + Gemm 2·1000·3; with Top 1 only the Gemm is listed.
        Assert.Equal("tiny-classifier: 6006 FLOP in 3 nodes", lines[0]);
        Assert.Equal(["gemm\tGemm\t6000"], lines[1..]);
    }

    [Fact]
    public void ABadPassOptionIsAUserErrorNamingTheKey()
    {
        var config = _built.WriteConfig("bad.json", """
            { "Pipeline": { "Passes": ["eliminate-dead-code", "count-flops"], "PassOptions": { "count-flops": { "Top": "many" } } } }
            """);

        var result = HostProcess.Run("compile", _built.Model, "-o", _built.Root.File("bad.wasm"), "--plugins", _built.Plugins, "--config", config);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("count-flops:Top", result.StdErr);
    }

    [Fact]
    public void TheNodeRuntimeGivesTheSameOutputsAsWasmtime()
    {
        var module = _built.Root.File("node.wasm");
        Assert.Equal(0, HostProcess.Run("compile", _built.Model, "-o", module).ExitCode);
        var config = _built.WriteConfig("node.json", """{ "Pipeline": { "Runtime": { "Name": "node" } } }""");
        var input = WriteInput(_built.Root.File("x.npy"));

        var node = HostProcess.Run("run", module, "--input", $"x={input}", "--output-dir", _built.Root.File("node"), "--plugins", _built.Plugins, "--config", config);
        var wasmtime = HostProcess.Run("run", module, "--input", $"x={input}", "--output-dir", _built.Root.File("wasmtime"));

        Assert.True(node.ExitCode == 0, node.ToString());
        Assert.True(wasmtime.ExitCode == 0, wasmtime.ToString());
        Assert.Contains("runtime node", node.StdOut + node.StdErr);
        Assert.Equal(File.ReadAllBytes(_built.Root.File("wasmtime/logits.npy")), File.ReadAllBytes(_built.Root.File("node/logits.npy")));
    }

    [Theory]
    [InlineData(1.5f)]
    [InlineData(1f)] // no beta attribute at all: the import fills in the default, the decomposition skips the scaling
    public void TheOpPluginsSwishIsImportedCompiledAndRun(float beta)
    {
        var model = WriteSwishModel(_built.Root.File($"swish-{beta}.onnx"), beta == 1f ? null : beta);
        var module = _built.Root.File($"swish-{beta}.wasm");
        var x = Enumerable.Range(0, 12).Select(i => (i - 6) * 0.75f).ToArray();
        var input = _built.Root.File($"swish-x-{beta}.npy");
        NpyFile.Write(input, TensorData.FromFloats(new Shape(2, 6), x));

        var compile = HostProcess.Run("compile", model, "-o", module, "--plugins", _built.Plugins, "--verify-each");
        var run = HostProcess.Run("run", module, "--input", $"x={input}", "--output-dir", _built.Root.File($"swish-{beta}"), "--plugins", _built.Plugins);

        Assert.True(compile.ExitCode == 0, compile.ToString());
        Assert.True(run.ExitCode == 0, run.ToString());
        var y = NpyFile.Read(_built.Root.File($"swish-{beta}/y.npy")).ToFloatArray();
        Assert.Equal(x.Length, y.Length);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(Math.Abs(y[i] - x[i] / (1 + Math.Exp(-beta * x[i]))) < 1e-5, $"y[{i}] = {y[i]} for x = {x[i]}");
        }
    }

    [Fact]
    public void WithoutTheOpPluginSwishIsAnUnsupportedOp()
    {
        var model = WriteSwishModel(_built.Root.File("swish-alone.onnx"), beta: 2f);

        var result = HostProcess.Run("compile", model, "-o", _built.Root.File("swish-alone.wasm"));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("com.example.Swish", result.StdErr);
    }

    /// <summary>y = com.example::Swish(x) over a float32 [2,6] input, with the <c>beta</c> attribute when given.</summary>
    private static string WriteSwishModel(string path, float? beta)
    {
        var model = new OnnxModelBuilder().Opset(13).Opset("com.example", 1)
            .Input("x", DataType.Float32, 2, 6)
            .DomainNode("com.example", "swish", "Swish", ["x"], ["y"], beta is { } b ? new[] { OnnxAttr.Float("beta", b) } : [])
            .Output("y", DataType.Float32, 2, 6);
        File.WriteAllBytes(path, model.ToBytes());
        return path;
    }

    /// <summary>A float32 [1,3,8,8] input with distinct values, so a wrong byte order or offset would show.</summary>
    private static string WriteInput(string path)
    {
        var values = Enumerable.Range(0, 192).Select(i => (float)Math.Sin(i)).ToArray();
        NpyFile.Write(path, TensorData.FromFloats(new Shape(1, 3, 8, 8), values));
        return path;
    }
}
