using System.Collections.Immutable;
using System.Diagnostics;
using System.Text.Json;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Backends.LlvmWasm;
using WasmGraph.Frontends.Onnx;
using WasmGraph.Passes.Core;
using WasmGraph.Runtimes.Wasmtime;

namespace WasmGraph.Bench.Engines;

/// <summary>What compiling and loading one model cost.</summary>
public sealed record CompileFigures(double ColdCompileMs, double FirstLoadMs, double CachedLoadMs, long ModuleBytes, long WeightBytes, long ArenaBytes);

/// <summary>
/// WasmGraph in-process with the product's default pipeline (the pass list of src/Host/appsettings.json): ONNX
/// frontend → passes → LLVM backend → Wasmtime, with a fresh compiled-module cache so cold and cached start-up are both
/// measured.
/// </summary>
public sealed class WasmGraphEngine : IDisposable
{
    private readonly WasmtimeRuntime _runtime = new();
    private readonly string _cache = Directory.CreateTempSubdirectory("wasmgraph-bench-cache-").FullName;
    private WasmtimeSession? _session;

    public Graph? Graph { get; private set; }
    public ModelMetadata? Metadata => _session?.Metadata;

    public CompileFigures Compile(BenchModel model, string repoRoot, BackendOptions? options = null)
    {
        var clock = Stopwatch.StartNew();
        var frontend = new OnnxFrontend();
        var shapes = model.InputShapes.ToImmutableDictionary(kv => kv.Key, kv => kv.Value.ToImmutableArray());
        var graph = Load(frontend, model.Path, model.Prepend is null ? shapes : ImmutableDictionary<string, ImmutableArray<long>>.Empty);
        if (model.Prepend is not null)
        {
            graph = GraphComposition.Chain(Load(frontend, model.Prepend, shapes), graph);
        }
        foreach (var pass in DefaultPasses(repoRoot))
        {
            graph = pass.Run(graph, new PassContext(OpRegistry.Default));
        }
        Graph = graph;
        var artifact = new LlvmWasmBackend().Compile(graph, options ?? new BackendOptions());
        var coldMs = clock.Elapsed.TotalMilliseconds;
        Module = artifact.Bytes;

        clock.Restart();
        _runtime.Load(artifact.Bytes, new RuntimeOptions { CacheDirectory = _cache }).Dispose();
        var firstLoadMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        _session = _runtime.Load(artifact.Bytes, new RuntimeOptions { CacheDirectory = _cache });
        var cachedMs = clock.Elapsed.TotalMilliseconds;
        return new CompileFigures(coldMs, firstLoadMs, cachedMs, artifact.Bytes.LongLength, artifact.Metadata.WeightBytes, artifact.Metadata.ArenaBytes);
    }

    /// <summary>
    /// Compiles <paramref name="model"/> as a user does: the built command line in its own process, as
    /// <c>./wasmgraph compile MODEL -o OUT --quiet</c> runs it, with the model's <see cref="BenchModel.CompileArgs"/>
    /// (e.g. a run-time range, whose probe compile only the CLI's pipeline makes); then loads the module.
    /// <see cref="Graph"/> stays null; the module's metadata says what it is. The cold compile is the whole command,
    /// .NET start-up and plugin loading included.
    /// </summary>
    public CompileFigures CompileWithCli(BenchModel model, string repoRoot)
    {
        if (model.Prepend is not null || model.Quantize is not null)
        {
            throw new InvalidOperationException($"bench model '{model.Name}': a CLI-compiled model takes no prepend or quantize step");
        }
        var output = Path.Combine(_cache, "cli-compiled.wasm");
        var clock = Stopwatch.StartNew();
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in new[] { Path.Combine(repoRoot, "artifacts", "host", "WasmGraph.Cli.dll"), "compile", model.Path, "-o", output, "--quiet" }.Concat(model.CompileArgs))
        {
            start.ArgumentList.Add(argument);
        }
        using (var compile = Process.Start(start)!)
        {
            var errors = compile.StandardError.ReadToEnd();
            compile.WaitForExit();
            if (compile.ExitCode != 0)
            {
                throw new InvalidOperationException($"bench model '{model.Name}': wasmgraph compile {model.Path} {string.Join(' ', model.CompileArgs)} exited with {compile.ExitCode}: {errors}");
            }
        }
        var coldMs = clock.Elapsed.TotalMilliseconds;
        Module = File.ReadAllBytes(output);
        File.Delete(output);

        clock.Restart();
        _runtime.Load(Module, new RuntimeOptions { CacheDirectory = _cache }).Dispose();
        var firstLoadMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        _session = _runtime.Load(Module, new RuntimeOptions { CacheDirectory = _cache });
        var cachedMs = clock.Elapsed.TotalMilliseconds;
        return new CompileFigures(coldMs, firstLoadMs, cachedMs, Module.LongLength, _session.Metadata.WeightBytes, _session.Metadata.ArenaBytes);
    }

    /// <summary>Inferences per second with <paramref name="instances"/> instances running at once (run --batch-parallel).</summary>
    public double Throughput(byte[] module, IReadOnlyDictionary<string, TensorData> inputs, int instances, int runs)
        => Host.Pipeline.ParallelThroughput.ImagesPerSecond(_runtime, module, new RuntimeOptions { CacheDirectory = _cache }, inputs, instances, runs);

    public byte[] Module { get; private set; } = [];

    /// <summary>
    /// Another session of the compiled module with the time limit <c>wasmgraph run</c> always sets (600 s by default):
    /// that selects Wasmtime's epoch-interruption engine, whose checks in loops are what a user of <c>run</c> pays.
    /// </summary>
    public WasmtimeSession LoadWithTimeLimit(TimeSpan limit)
        => (WasmtimeSession)_runtime.Load(Module, new RuntimeOptions { CacheDirectory = _cache, Timeout = limit });

    public IReadOnlyDictionary<string, TensorData> Run(IReadOnlyDictionary<string, TensorData> inputs) => _session!.Run(inputs);

    public IReadOnlyList<double> Profile(IReadOnlyDictionary<string, TensorData> inputs, int repeat) => _session!.ProfileKernels(inputs, repeat);

    /// <summary>The passes the product runs by default, found by name among the Passes.Core plugin's passes.</summary>
    public static IReadOnlyList<IPass> DefaultPasses(string repoRoot)
    {
        var available = typeof(CorePassesPlugin).Assembly.GetTypes()
            .Where(t => typeof(IPass).IsAssignableFrom(t) && !t.IsAbstract && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (IPass)Activator.CreateInstance(t)!)
            .ToDictionary(p => p.Name);
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(repoRoot, "src", "Host", "appsettings.json")));
        return settings.RootElement.GetProperty("Pipeline").GetProperty("Passes").EnumerateArray()
            .Select(p => p.GetString()!).Where(available.ContainsKey).Select(p => available[p]).ToList();
    }

    private static Graph Load(OnnxFrontend frontend, string path, ImmutableDictionary<string, ImmutableArray<long>> shapes)
    {
        using var stream = File.OpenRead(path);
        return frontend.Load(stream, new FrontendOptions { SourceName = path, InputShapes = shapes });
    }

    public void Dispose()
    {
        _session?.Dispose();
        _runtime.Dispose();
        try
        {
            Directory.Delete(_cache, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
