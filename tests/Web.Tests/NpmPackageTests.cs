using System.Reflection;
using System.Text.Json;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.IO;
using WasmGraph.Runtimes.Wasmtime;
using WasmGraph.TestSupport;
using Xunit.Abstractions;

namespace WasmGraph.Web.Tests;

/// <summary>
/// The npm package 'wasmgraph' (web/package.json) as a third party gets it: packed by scripts/pack-npm.sh (what
/// <c>./wasmgraph pack</c> runs), installed from the tarball into a fresh Node project with the network off
/// (<c>npm install --offline</c>: the package has no dependencies), imported by its package name, and run on a
/// compiled module; the numbers are compared with Wasmtime's and ONNX Runtime's. Its TypeScript declarations are
/// checked by compiling a consumer with tsc (typescript from npm, scripts/install-typescript.sh).
/// </summary>
public sealed class NpmPackageTests : IClassFixture<NpmPackageTests.Installed>
{
    private readonly Installed _installed;
    private readonly ITestOutputHelper _log;

    public NpmPackageTests(Installed installed, ITestOutputHelper log)
    {
        _installed = installed;
        _log = log;
    }

    /// <summary>The packed tarball, a consumer project with it installed, and a compiled module with an input.</summary>
    public sealed class Installed : IDisposable
    {
        public Installed()
        {
            var (exit, stdout, stderr) = WebTools.Run("bash", [Path.Combine(WebTools.RepoRoot, "scripts", "pack-npm.sh"), Directory.File("packages")], 120);
            Assert.True(exit == 0, $"pack-npm.sh exited {exit}\n{stdout}\n{stderr}");
            Tarball = stdout.Trim();
            Assert.True(File.Exists(Tarball), Tarball);

            Project = Directory.File("consumer");
            System.IO.Directory.CreateDirectory(Project);
            File.WriteAllText(Path.Combine(Project, "package.json"), """{ "name": "consumer", "private": true, "type": "module" }""");
            var install = WebTools.Run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--prefix", Project, Tarball], 120);
            Assert.True(install.Exit == 0, $"npm install of the tarball failed\n{install.StdOut}\n{install.StdErr}");

            var (onnx, shape) = WebTools.SmallConvNet();
            Onnx = onnx;
            Input = TestTensors.Random(shape, seed: 21);
            Module = WasmPipeline.Compile(WasmPipeline.Import(onnx)).Bytes;
            File.WriteAllBytes(Directory.File("model.wasm"), Module);
            NpyFile.Write(Directory.File("x.npy"), Input);
            using var session = new WasmtimeRuntime().Load(Module, new RuntimeOptions());
            Wasmtime = session.Run(new Dictionary<string, TensorData> { ["x"] = Input })["y"];
        }

        public TempDirectory Directory { get; } = new();
        public string Tarball { get; }
        public string Project { get; }
        public byte[] Onnx { get; }
        public byte[] Module { get; }
        public TensorData Input { get; }
        public TensorData Wasmtime { get; }

        public void Dispose() => Directory.Dispose();
    }

    [Fact]
    public void TheInstalledPackageRunsAModuleAsWasmtimeAndOnnxRuntimeDo()
    {
        var script = Path.Combine(_installed.Project, "run.mjs");
        File.WriteAllText(script, """
            import { readFile, writeFile } from 'node:fs/promises';
            import { WasmGraphModel } from 'wasmgraph';
            import { parseNpy, formatNpy } from 'wasmgraph/npy';
            const [modulePath, inputPath, outputPath] = process.argv.slice(2);
            const model = await WasmGraphModel.load(await readFile(modulePath));
            const y = model.run({ x: parseNpy(await readFile(inputPath), 'x.npy') }).y;
            await writeFile(outputPath, formatNpy(y.data, y.dtype, y.shape));
            console.log(JSON.stringify({ inputs: model.inputs.map((i) => i.name), shape: y.shape, dtype: y.dtype }));
            """);

        // Node 20 runs relaxed-SIMD modules (the default target) only behind this flag (README, "use it from JavaScript").
        var stdout = WebTools.Node(120, "--experimental-wasm-relaxed-simd", script,
                                   _installed.Directory.File("model.wasm"), _installed.Directory.File("x.npy"), _installed.Directory.File("y-package.npy"));
        _log.WriteLine(stdout);
        var actual = NpyFile.Read(_installed.Directory.File("y-package.npy"));

        Assert.Contains("\"inputs\":[\"x\"]", stdout);
        Assert.Equal(_installed.Wasmtime.Type, actual.Type);
        // Same module, same input: only relaxed-SIMD rounding may differ between V8 and Wasmtime.
        TensorAssert.Close(_installed.Wasmtime, actual, 1e-3, "npm package in Node vs Wasmtime");
        var expected = OnnxRuntimeOracle.Run(_installed.Onnx, new Dictionary<string, TensorData> { ["x"] = _installed.Input })["y"];
        TensorAssert.Close(expected, actual, 1e-3, "npm package in Node vs ONNX Runtime");
    }

    [Fact]
    public void TheInstalledPackageRunsAThreadedModuleOnTwoWorkersWithItsOwnWorkerScript()
    {
        var module = WebTools.Fixture("threaded-centre", _installed.Directory.File("threaded.wasm"));
        var script = Path.Combine(_installed.Project, "threads.mjs");
        File.WriteAllText(script, """
            import { readFile } from 'node:fs/promises';
            import { WasmGraphModel } from 'wasmgraph';
            const bytes = await readFile(process.argv[2]);
            const x = Float32Array.from({ length: 4096 }, (_, i) => (i % 13) - 6);
            const single = (await WasmGraphModel.load(bytes, { threads: 1 })).run({ x });
            const model = await WasmGraphModel.load(bytes, { threads: 2 });
            const out = await model.runAsync({ x });
            model.close();
            console.log(JSON.stringify({ threads: model.threads, same: out.y.data.every((v, i) => v === single.y.data[i]), m: out.m.data[0] }));
            """);

        var stdout = WebTools.Node(120, script, module);

        _log.WriteLine(stdout);
        // x is 315 whole periods of -6..6 (each summing to 0) and one more -6: its mean is -6/4096 exactly.
        Assert.Contains("\"threads\":2,\"same\":true,\"m\":-0.00146484375}", stdout);
    }

    [Fact]
    public void TheBinRunsAModuleAndWritesItsOutput()
    {
        var bin = Path.Combine(_installed.Project, "node_modules", ".bin", "wasmgraph-run");
        Assert.True(File.Exists(bin), $"npm did not link the bin: {bin}");

        var (exit, stdout, stderr) = WebTools.Run(bin, [_installed.Directory.File("model.wasm"), "--input", "x=" + _installed.Directory.File("x.npy"),
                                                        "--output-dir", _installed.Directory.File("bin-out")], 120);

        Assert.True(exit == 0, $"wasmgraph-run exited {exit}\n{stdout}\n{stderr}");
        Assert.Contains("y\tfloat32\t[1,4,32,32]", stdout);
        TensorAssert.Close(_installed.Wasmtime, NpyFile.Read(_installed.Directory.File("bin-out/y.npy")), 1e-3, "wasmgraph-run vs Wasmtime");
    }

    [Fact]
    public void TheDeclarationsTypeCheckAConsumerAndRejectAWrongCall()
    {
        var (exit, stdout, stderr) = WebTools.Run("bash", [Path.Combine(WebTools.RepoRoot, "scripts", "install-typescript.sh")], 300);
        Assert.True(exit == 0, $"install-typescript.sh exited {exit}\n{stdout}\n{stderr}");
        var tsc = stdout.Trim().Split('\n')[^1];
        var consumer = Path.Combine(_installed.Project, "consumer.ts");
        // @ts-expect-error lines fail the compile if the declarations accept them: they prove the types are not `any`.
        File.WriteAllText(consumer, """
            import { WasmGraphModel, WasmGraphError, readMetadata, isDtype, DTYPES, targetSet, bestTarget, type Tensor, type ModelMetadata, type Target } from 'wasmgraph';
            import { parseNpy, formatNpy } from 'wasmgraph/npy';
            import { tensorFromRgba, preprocessingFromHints } from 'wasmgraph/preprocessing';

            export async function firstOutputSize(bytes: Uint8Array, npy: Uint8Array): Promise<number> {
              const metadata: ModelMetadata = readMetadata(bytes);
              const model = await WasmGraphModel.load(bytes);
              const outputs: Record<string, Tensor> = model.run({ [model.inputs[0].name]: parseNpy(npy, 'x.npy') });
              const y = outputs[metadata.outputs[0].name];
              const pixels: Float32Array = tensorFromRgba(new Uint8ClampedArray(64), 4, 4, preprocessingFromHints(metadata.hints));
              const encoded: Uint8Array = formatNpy(pixels, 'float32', [1, 3, 4, 4]);
              if (!isDtype(y.dtype) || encoded.length === 0) throw new WasmGraphError('unexpected');
              const zeros: Float32Array = new DTYPES.float32(4);
              return y.shape.reduce((a, b) => a * b, 1) + zeros.length;
            }

            export async function runOnWorkers(bytes: Uint8Array, x: Float32Array): Promise<string | undefined> {
              const model = await WasmGraphModel.load(bytes, { threads: 2, timeoutMs: 5000 });
              const threads: number = model.threads;
              const outputs: Record<string, Tensor> = await model.runAsync({ x: { data: x, dtype: 'float32', shape: [1, x.length] } });
              model.close();
              return threads > 1 && outputs.y.shape.length > 0 ? undefined : model.warning;
            }

            export async function loadFastest(url: string): Promise<Target | undefined> {
              const best: Target | null = bestTarget(['simd128', 'mvp']);
              const model = await WasmGraphModel.loadBest({ ...targetSet(url), mvp: () => fetch(url) });
              return best === null ? undefined : model.target;
            }

            // @ts-expect-error: not a dtype of the ABI
            formatNpy(new Float32Array(1), 'float128', [1]);
            // @ts-expect-error: run takes tensors by name or in order, not a number
            (await WasmGraphModel.load(new Uint8Array(8))).run(42);
            // @ts-expect-error: threads is a number
            await WasmGraphModel.load(new Uint8Array(8), { threads: 'max' });
            // @ts-expect-error: not a target profile
            await WasmGraphModel.loadBest({ sse4: 'model.wasm' });
            // @ts-expect-error: layout is NCHW or NHWC
            tensorFromRgba(new Uint8Array(4), 1, 1, { layout: 'CHWN' });
            """);

        var result = WebTools.Run(tsc, ["--noEmit", "--strict", "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext",
                                        "--lib", "es2022,dom", consumer], 300);

        Assert.True(result.Exit == 0, $"tsc found errors\n{result.StdOut}\n{result.StdErr}");
    }

    [Fact]
    public void ThePackageHasNoDependenciesAndTheDotnetVersion()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(WebTools.Web, "package.json")));
        var package = json.RootElement;
        var dotnetVersion = typeof(ModuleAbi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];

        Assert.Equal("wasmgraph", package.GetProperty("name").GetString());
        Assert.Equal(dotnetVersion, package.GetProperty("version").GetString());
        Assert.False(package.TryGetProperty("dependencies", out _), "the package must install offline: no dependencies");
        Assert.Equal("module", package.GetProperty("type").GetString());
        Assert.EndsWith($"wasmgraph-{dotnetVersion}.tgz", _installed.Tarball);
        // Every export has its declarations beside it.
        foreach (var export in package.GetProperty("exports").EnumerateObject().Where(e => e.Value.ValueKind == JsonValueKind.Object))
        {
            var types = export.Value.GetProperty("types").GetString()!;
            Assert.True(File.Exists(Path.Combine(WebTools.Web, types)), $"{export.Name}: {types} is missing");
            Assert.True(File.Exists(Path.Combine(_installed.Project, "node_modules", "wasmgraph", types)), $"{types} is not in the tarball");
        }
    }
}
