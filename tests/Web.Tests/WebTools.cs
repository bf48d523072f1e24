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

    public static (int Exit, string StdOut, string StdErr) Run(string program, IEnumerable<string> args, int timeoutSeconds)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
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

    /// <summary>Opens a page of web/ in headless Chromium and returns its <c>window.wasmgraphResult</c>.</summary>
    public static JsonElement RunPage(string directory, string page, IDictionary<string, string> files, string? screenshot = null)
    {
        var (chromium, nodeModules) = BrowserTools;
        var config = Path.Combine(directory, "browser.json");
        File.WriteAllText(config, JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["nodeModules"] = nodeModules, ["chromium"] = chromium, ["root"] = Web, ["files"] = files, ["page"] = page,
            ["screenshot"] = screenshot, ["timeoutMs"] = 60000,
        }));
        var output = Node(120, Path.Combine(Web, "test", "browser-run.mjs"), config);
        return JsonDocument.Parse(output).RootElement.Clone();
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
