using System.Diagnostics;
using System.Text.Json;
using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;

namespace WasmGraph.Web.Tests;

/// <summary>
/// Paths and processes the web tests need: the repository, Node, and the headless browser (installed on first use by
/// scripts/install-browser.sh: Debian chromium via apt-get when root, npm playwright-core into .cache/node).
/// </summary>
public static class WebTools
{
    public static string RepoRoot => WasmGraph.TestSupport.TestFiles.RepoRoot;

    public static string Web => Path.Combine(RepoRoot, "web");

    private static readonly Lazy<(string Chromium, string NodeModules)> Browser = new(InstallBrowser);

    /// <summary>Chromium and playwright-core, installed once per test run.</summary>
    public static (string Chromium, string NodeModules) BrowserTools => Browser.Value;

    /// <summary>Runs <c>node</c> with <paramref name="args"/>; fails the test on a non-zero exit or on a timeout.</summary>
    public static string Node(int timeoutSeconds, params string[] args)
    {
        var (exit, stdout, stderr) = Run("node", args, timeoutSeconds);
        Assert.True(exit == 0, $"node {string.Join(" ", args)} exited {exit}\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
        return stdout;
    }

    public static (int Exit, string StdOut, string StdErr) Run(string program, IEnumerable<string> args, int timeoutSeconds,
                                                              IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(" ", args)} did not finish in {timeoutSeconds} s");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>
    /// Opens a page of web/ in headless Chromium and returns its <c>window.wasmgraphResult</c>. With
    /// <paramref name="crossOriginIsolated"/> the test server sends COOP/COEP, so the page may share memory with workers.
    /// </summary>
    public static JsonElement RunPage(string directory, string page, IDictionary<string, string> files, string? screenshot = null,
                                      bool crossOriginIsolated = false)
    {
        var (chromium, nodeModules) = BrowserTools;
        var config = Path.Combine(directory, "browser.json");
        File.WriteAllText(config, JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["nodeModules"] = nodeModules, ["chromium"] = chromium, ["root"] = Web, ["files"] = files, ["page"] = page,
            ["screenshot"] = screenshot, ["timeoutMs"] = 60000, ["crossOriginIsolated"] = crossOriginIsolated,
        }));
        var output = Node(120, Path.Combine(Web, "test", "browser-run.mjs"), config);
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    private static readonly Lazy<string> Wabt = new(InstallWabt);

    /// <summary>
    /// Runs a <c>node:test</c> file of web/test (with npm wabt for its fixtures, scripts/install-wabt.sh) and
    /// <paramref name="environment"/>; fails the test with the TAP report unless every test in it passed. Returns the report.
    /// </summary>
    public static string NodeTest(string file, IDictionary<string, string>? environment = null, int timeoutSeconds = 300)
    {
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["WASMGRAPH_WABT"] = Wabt.Value };
        // Modules the CLI compiles use relaxed SIMD (the default target), which Node 20 runs only behind this flag; the
        // test runner passes it to each test file's process, and worker threads share it.
        var (exit, stdout, stderr) = Run("node", ["--experimental-wasm-relaxed-simd", "--test", "--test-reporter=tap", Path.Combine(Web, "test", file)], timeoutSeconds, env);
        Assert.True(exit == 0 && stdout.Contains("# fail 0", StringComparison.Ordinal), $"node --test {file} exited {exit}\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
        return stdout;
    }

    /// <summary>Writes fixture <paramref name="name"/> of web/test/fixtures.mjs to <paramref name="path"/> (web/test/build-fixture.mjs).</summary>
    public static string Fixture(string name, string path)
    {
        var (exit, stdout, stderr) = Run("node", [Path.Combine(Web, "test", "build-fixture.mjs"), name, path], 120,
                                         new Dictionary<string, string> { ["WASMGRAPH_WABT"] = Wabt.Value });
        Assert.True(exit == 0, $"build-fixture.mjs {name} exited {exit}\n{stdout}\n{stderr}");
        return path;
    }

    /// <summary>The built CLI, run as users run it (<c>./wasmgraph</c> runs the same dll).</summary>
    public static string HostDll => Path.Combine(RepoRoot, "artifacts", "host", "WasmGraph.Cli.dll");

    /// <summary>Runs the CLI with <paramref name="args"/>.</summary>
    public static (int Exit, string StdOut, string StdErr) Cli(params string[] args)
    {
        Assert.True(File.Exists(HostDll), $"the host is not built: {HostDll}");
        return Run("dotnet", [HostDll, .. args], 300);
    }

    /// <summary>
    /// Null when <c>compile --help</c> matches <paramref name="pattern"/>, else why a test of that feature cannot run
    /// yet (the reason the test prints when it skips itself).
    /// </summary>
    public static string? MissingCompileFeature(string pattern, string feature)
    {
        var (exit, stdout, stderr) = Cli("compile", "--help");
        Assert.True(exit == 0, $"compile --help exited {exit}\n{stdout}\n{stderr}");
        return System.Text.RegularExpressions.Regex.IsMatch(stdout, pattern)
            ? null
            : $"skipped: this build's `wasmgraph compile --help` has no {feature}, so no such module can be compiled yet";
    }

    private static string InstallWabt()
    {
        var (exit, stdout, stderr) = Run("bash", [Path.Combine(RepoRoot, "scripts", "install-wabt.sh")], 600);
        Assert.True(exit == 0, $"scripts/install-wabt.sh exited {exit}\n{stdout}\n{stderr}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
    }

    /// <summary>A small conv net (3×3 conv, ReLU, 1×1 conv) with seeded weights: cheap to compile, and its FMAs show
    /// any difference between engines' relaxed SIMD.</summary>
    public static (byte[] Onnx, Shape Input) SmallConvNet()
    {
        var input = new Shape(1, 3, 32, 32);
        var onnx = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 3, 32, 32)
            .Initializer("w1", TestTensors.Random([8, 3, 3, 3], seed: 1))
            .Initializer("b1", TestTensors.Random([8], seed: 2))
            .Initializer("w2", TestTensors.Random([4, 8, 1, 1], seed: 3))
            .Node("Conv", ["x", "w1", "b1"], ["c1"], OnnxAttr.Ints("pads", 1, 1, 1, 1))
            .Node("Relu", ["c1"], ["r1"])
            .Node("Conv", ["r1", "w2"], ["y"])
            .Output("y", DataType.Float32)
            .ToBytes();
        return (onnx, input);
    }

    private static (string, string) InstallBrowser()
    {
        var (exit, stdout, stderr) = Run("bash", [Path.Combine(RepoRoot, "scripts", "install-browser.sh")], 900);
        Assert.True(exit == 0, $"scripts/install-browser.sh exited {exit}\n{stdout}\n{stderr}");
        var values = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                           .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        return (values["chromium"], values["node_modules"]);
    }
}
