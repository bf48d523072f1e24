using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.Configuration;
using WasmGraph.Host.IO;
using WasmGraph.Host.Plugins;

namespace WasmGraph.Host.Pipeline;

/// <summary>
/// Runs frontend → passes (in config order) → backend and writes the module atomically. Every stage is timed and
/// its node counts and statistics recorded (for the --verbose report), the IR can be verified after each stage and dumped after any, and all components are resolved before the model is read, so
/// a bad pipeline fails in milliseconds rather than after a long frontend. The components come from the
/// <see cref="ComponentCatalog"/> already guarded (<see cref="GuardedComponent"/>): a plugin that throws or returns null
/// is reported by name wherever it is called, here or in any other verb.
/// </summary>
public sealed class CompilePipeline
{
    private readonly ComponentCatalog _catalog;
    private readonly PipelineOptions _options;
    private readonly IConfiguration _configuration;
    private readonly OpRegistry _registry;

    public CompilePipeline(ComponentCatalog catalog, IOptions<PipelineOptions> options, IConfiguration configuration, OpRegistry registry)
    {
        _catalog = catalog;
        _options = options.Value;
        _configuration = configuration;
        _registry = registry;
    }

    public PipelineOptions Options => _options;

    public CompileResult Compile(CompileRequest request, CompileObserver? observer = null, CancellationToken cancellation = default)
    {
        observer ??= new CompileObserver();
        var (frontend, passes, backend, backendOptions) = Prepare(request, cancellation);
        var targets = TargetsOf(request);
        foreach (var target in targets.OfType<TargetProfile>())
        {
            backend.CheckOptions(backendOptions with { Features = target.Features });
        }
        string BackendStage(TargetProfile? target) => targets.Length > 1 ? $"backend ({backend.Name}, {target})" : $"backend ({backend.Name})";
        var stages = new List<StageTiming>();
        var graph = FrontendAndPasses(request, observer, stages, frontend, passes, backend, [.. targets.Select(BackendStage), "write"], cancellation);
        graph = WithRunTimeExtent(request, graph, frontend, passes, backend, cancellation);

        RejectUnsupported(backend, graph, request.ModelPath);
        // Every module is compiled before any is written, so a failing profile leaves none of the set behind.
        var finalGraph = graph;
        var modules = new List<CompiledModule>();
        foreach (var (target, path) in targets.Zip(request.OutputPaths))
        {
            // The backend reports each step as it finishes; their order is kept so --verbose lists sub-timings as they ran.
            var steps = new BackendStepRecorder(observer.BackendProgress);
            var compileOptions = backendOptions with { Features = target?.Features ?? backendOptions.Features, Progress = steps };
            var artifact = Timed(BackendStage(target), observer, stages, finalGraph.Nodes.Length,
                                 () => backend.Compile(finalGraph, compileOptions),
                                 _ => null, details: null, timingsOf: a => steps.Order(a.TimingsMs));
            modules.Add(new CompiledModule(target, artifact, Path.GetFullPath(path)));
            cancellation.ThrowIfCancellationRequested();
        }

        Timed("write", observer, stages, null, () =>
        {
            foreach (var module in modules)
            {
                AtomicFile.WriteAllBytes(module.Path, module.Artifact.Bytes, cancellation);
            }
            return 0;
        }, _ => null);
        return new CompileResult(modules[0].Artifact, modules[0].Path, stages, graph) { Modules = modules };
    }

    /// <summary>
    /// The model after the frontend and every configured pass, with the backend and its options from the
    /// configuration, checked (<see cref="IBackend.CheckOptions"/>): what <see cref="Compile"/> would hand the backend.
    /// <c>wasmgraph tune</c> measures the backend's kernel choices on it.
    /// </summary>
    public (Graph Graph, IBackend Backend, BackendOptions Options) Optimize(CompileRequest request, CompileObserver? observer = null,
                                                                            CancellationToken cancellation = default)
    {
        observer ??= new CompileObserver();
        var (frontend, passes, backend, backendOptions) = Prepare(request, cancellation);
        var graph = FrontendAndPasses(request, observer, [], frontend, passes, backend, [], cancellation);
        graph = WithRunTimeExtent(request, graph, frontend, passes, backend, cancellation);
        return (graph, backend, backendOptions);
    }

    /// <summary>The backend options <c>Pipeline:Backend</c> gives, its tuning log read and checked as untrusted input.</summary>
    public BackendOptions BackendOptionsFor(CancellationToken cancellation) => new()
    {
        OptLevel = _options.Backend.OptLevel,
        Features = _options.Backend.Features,
        Deterministic = _options.Backend.Deterministic,
        Threads = _options.Backend.Threads,
        ConvAlgorithm = _options.Backend.ConvAlgorithm,
        Tuning = ReadTuningLog(_options.Backend.Tuning),
        Cancellation = cancellation,
    };

    /// <summary>The tuning log at <paramref name="path"/> (<c>Pipeline:Backend:Tuning</c>, <c>--tuning</c>), or null for none.</summary>
    public static TuningLog? ReadTuningLog(string? path)
        => string.IsNullOrWhiteSpace(path)
            ? null
            : TuningLog.Parse(InputFile.ReadAllBytes(path, "tuning file", TuningLog.MaxBytes), path);

    /// <summary>
    /// Resolves every component and checks the backend options, the dump target and the input files before the model
    /// is read, so a bad pipeline fails in milliseconds.
    /// </summary>
    private (IFrontend, List<IPass>, IBackend, BackendOptions) Prepare(CompileRequest request, CancellationToken cancellation)
    {
        var frontend = _catalog.Require<IFrontend>(_options.Frontend, "Pipeline:Frontend");
        var passes = _options.Passes.Select((p, i) => _catalog.Require<IPass>(p, $"Pipeline:Passes:{i}")).ToList();
        var backend = _catalog.Require<IBackend>(_options.Backend.Name, "Pipeline:Backend:Name");
        var backendOptions = BackendOptionsFor(cancellation);
        backend.CheckOptions(backendOptions);
        CheckDumpTarget(request.DumpIrAfter);
        InputFile.Require(request.ModelPath, "model file", InputFile.OnnxMaxBytes); // a FIFO or a device would hang the frontend
        if (!frontend.CanLoad(request.ModelPath))
        {
            throw new WasmGraphException($"frontend '{frontend.Name}' cannot read {request.ModelPath}");
        }

        if (request.PrependModelPath is { } prepend)
        {
            InputFile.Require(prepend, "--prepend model", InputFile.OnnxMaxBytes);
        }
        return (frontend, passes, backend, backendOptions);
    }

    /// <summary>The frontend and every pass, timed into <paramref name="stages"/>; <paramref name="laterStages"/> are announced after them.</summary>
    private Graph FrontendAndPasses(CompileRequest request, CompileObserver observer, List<StageTiming> stages, IFrontend frontend,
                                    List<IPass> passes, IBackend backend, IReadOnlyList<string> laterStages, CancellationToken cancellation)
    {
        observer.Planned?.Invoke(["frontend", .. passes.Select(p => p.Name), .. laterStages]);
        cancellation.ThrowIfCancellationRequested();
        var graph = Timed("frontend", observer, stages, null, () =>
        {
            // Pins and bindings name the module's inputs: the --prepend model's when there is one.
            var model = Load(frontend, request.ModelPath, request.PrependModelPath is null ? request : new CompileRequest(request.ModelPath, request.OutputPath));
            if (request.PrependModelPath is { } pre)
            {
                model = GraphComposition.Chain(Load(frontend, pre, request), model);
            }
            CheckAbiNames(model, request.ModelPath);
            if (request.Hints.IsEmpty)
            {
                return model;
            }
            CheckHints(request.Hints, model);
            return model with { Metadata = model.Metadata.SetItems(request.Hints.Select(h => KeyValuePair.Create(GraphMetadata.HintKey(h.Key), h.Value))) };
        }, g => g.Nodes.Length);
        AfterStage("frontend", graph, request, observer);

        var capabilities = new BackendCapabilities(backend);
        foreach (var pass in passes)
        {
            cancellation.ThrowIfCancellationRequested();
            // Passes fuse only what the selected backend lowers, so any backend can run the same pipeline.
            var context = new PassContext(_registry, _configuration.GetSection(PipelineOptions.PassOptionsPath(pass.Name)), cancellation)
            {
                Capabilities = capabilities,
            };
            var input = graph;
            graph = Timed(pass.Name, observer, stages, input.Nodes.Length,
                          () => pass.Run(input, context),
                          g => g.Nodes.Length, context.Statistics.Select(kv => KeyValuePair.Create(kv.Key, (double)kv.Value)));
            AfterStage(pass.Name, graph, request, observer);
        }

        return graph;
    }

    /// <summary>
    /// For a request with a bounded dynamic dimension (<c>--input-shape input_ids=1,1..128</c>): the graph at the bound
    /// annotated with the values that follow the run-time extent (<see cref="RunTimeExtentAnalysis"/>), found by
    /// compiling the model once more, frontend and passes only, at a probe length; every node that cannot follow it
    /// is listed at once. The graph unchanged for a static request.
    /// </summary>
    private Graph WithRunTimeExtent(CompileRequest request, Graph graph, IFrontend frontend, List<IPass> passes, IBackend backend,
                                    CancellationToken cancellation)
    {
        if (RunTimeExtentOf(request) is not var (min, bound, pin))
        {
            return graph;
        }
        long probe = RunTimeExtentAnalysis.ProbeFor(min, bound);
        var probeShapes = request.InputShapes.ToImmutableDictionary(
            kv => kv.Key,
            kv => kv.Value.Select((d, i) => request.InputShapeMinimums.TryGetValue(kv.Key, out var low) && low[i] != d ? probe : d).ToImmutableArray(),
            StringComparer.Ordinal);
        var probeRequest = request with { InputShapes = probeShapes, InputShapeMinimums = ImmutableDictionary<string, ImmutableArray<long>>.Empty, DumpIrAfter = null };
        var atProbe = FrontendAndPasses(probeRequest, new CompileObserver(), [], frontend, passes, backend, [], cancellation);
        var annotated = RunTimeExtentAnalysis.Annotate(graph, atProbe, min, bound, probe, request.ModelPath, pin);
        var problems = new List<string>();
        foreach (var node in annotated.Nodes)
        {
            try
            {
                RunTimeExtentAnalysis.Check(node, annotated, _registry, pin);
            }
            catch (ModelException e)
            {
                problems.Add(e.Message);
            }
        }
        if (problems.Count > 0)
        {
            var more = problems.Count > 10 ? $"\n  … and {problems.Count - 10} more" : "";
            throw new ModelException($"{problems.Count} node(s) cannot follow the run-time extent:\n  {string.Join("\n  ", problems.Take(10))}{more}", request.ModelPath);
        }
        return annotated;
    }

    /// <summary>
    /// The one run-time extent of the request (min, bound, and the <c>--input-shape</c> flags that would pin it
    /// instead), or null when every dimension is static. A second, different range is refused: this version compiles
    /// one run-time extent per module.
    /// </summary>
    private static (long Min, long Bound, string Pin)? RunTimeExtentOf(CompileRequest request)
    {
        (long Min, long Bound)? range = null;
        foreach (var (name, minimum) in request.InputShapeMinimums.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var bound = request.InputShapes[name];
            for (int i = 0; i < bound.Length; i++)
            {
                if (minimum[i] == bound[i])
                {
                    continue;
                }
                if (range is { } earlier && earlier != (minimum[i], bound[i]))
                {
                    throw new WasmGraphException(
                        $"--input-shape gives two run-time ranges ({earlier.Min}..{earlier.Bound} and {minimum[i]}..{bound[i]} for '{name}'); " +
                        "a module takes one run-time extent in this version: give every dynamic axis the same range, or pin all but one");
                }
                range = (minimum[i], bound[i]);
            }
        }
        if (range is not { } found)
        {
            return null;
        }
        var pins = request.InputShapeMinimums.Keys.Order(StringComparer.Ordinal)
            .Select(n => $"--input-shape {n}={string.Join(",", request.InputShapes[n])}");
        return (found.Min, found.Bound, string.Join(" ", pins));
    }

    /// <summary>
    /// The profiles to compile for, or one null (the configured features) when the request names none. A
    /// <c>Pipeline:Backend:Features</c> other than the default that is not the named profile's would be silently
    /// overridden by <c>--target</c>, so it is refused, naming both.
    /// </summary>
    private ImmutableArray<TargetProfile?> TargetsOf(CompileRequest request)
    {
        if (request.Targets.IsDefaultOrEmpty)
        {
            return [null];
        }
        var configured = _options.Backend.Features;
        if (configured != BackendOptions.DefaultFeatures)
        {
            var contradicted = request.Targets.FirstOrDefault(t => TargetProfiles.Matching(configured) != t);
            if (contradicted is not null)
            {
                throw new WasmGraphException(
                    $"--target {(request.Targets.Length > 1 ? TargetProfiles.AllName : contradicted.Name)} selects Pipeline:Backend:Features " +
                    $"'{contradicted.Features}', but the configuration sets it to '{(configured.Length > 100 ? configured[..100] + "…" : configured)}'; " +
                    "give one of them, not both");
            }
        }
        return [.. request.Targets];
    }

    /// <summary>
    /// Inputs and outputs keep their names in the module's metadata, where <c>run</c> refuses names over
    /// <see cref="ModuleMetadataReader.MaxTensorNameLength"/> characters (outputs become file names); refused here
    /// too, so compile never writes a module that cannot run.
    /// </summary>
    private static void CheckAbiNames(Graph model, string path)
    {
        foreach (var (kind, names) in new[] { ("input", model.Inputs), ("output", model.Outputs) })
        {
            if (names.FirstOrDefault(n => n.Length > ModuleMetadataReader.MaxTensorNameLength) is { } name)
            {
                throw new WasmGraphException(
                    $"{path}: {kind} '{name[..40]}…' has a {name.Length}-character name; a module's inputs and outputs may have at most {ModuleMetadataReader.MaxTensorNameLength}");
            }
        }
    }

    /// <summary>
    /// Hints go into the module, where <c>run</c> will apply them, so they are checked here against
    /// <see cref="HintSchema"/> and, for image hints, against the input they will shape: the first rank-4 float32 or
    /// uint8 input, the one <c>run --image</c> feeds.
    /// </summary>
    private static void CheckHints(ImmutableDictionary<string, string> hints, Graph model)
    {
        HintSchema.CheckAll(hints, "--hint");
        if (!HintSchema.ImageKeys.Any(hints.ContainsKey))
        {
            return;
        }
        var image = model.Inputs.FirstOrDefault(i => model.TypeOf(i) is { Shape.Rank: 4, ElementType: DataType.Float32 or DataType.UInt8 });
        if (image is null)
        {
            throw new WasmGraphException(
                $"--hint {string.Join(", ", HintSchema.ImageKeys.Where(hints.ContainsKey))}: image hints need a rank-4 float32 or uint8 input, " +
                $"and the model's inputs are {string.Join(", ", model.Inputs.Select(i => $"{i} {model.TypeOf(i)}"))}");
        }
        if (HintSchema.ProblemWithInput(hints, image, model.TypeOf(image).Shape.Dims) is { } problem)
        {
            throw new WasmGraphException($"--hint: {problem}");
        }
    }

    /// <summary>Reads <paramref name="path"/> with the input pins and bindings of <paramref name="inputs"/>.</summary>
    private Graph Load(IFrontend frontend, string path, CompileRequest inputs)
    {
        using var stream = File.OpenRead(path);
        return frontend.Load(stream, new FrontendOptions { SourceName = path, InputShapes = inputs.InputShapes, Bindings = inputs.Bindings, Registry = _registry });
    }

    private static T Timed<T>(string stage, CompileObserver observer, List<StageTiming> stages, int? nodesBefore, Func<T> work,
                              Func<T, int?> nodesAfter, IEnumerable<KeyValuePair<string, double>>? details = null,
                              Func<T, IReadOnlyList<KeyValuePair<string, double>>>? timingsOf = null)
    {
        observer.StageStarted?.Invoke(stage);
        var clock = Stopwatch.StartNew();
        var result = work();
        var timing = new StageTiming(stage, clock.Elapsed.TotalMilliseconds, timingsOf?.Invoke(result) ?? details?.ToList() ?? [])
        {
            NodesBefore = nodesBefore,
            NodesAfter = nodesAfter(result),
            DetailsAreTimings = timingsOf is not null,
        };
        stages.Add(timing);
        observer.StageFinished?.Invoke(timing);
        return result;
    }

    private void AfterStage(string stage, Graph graph, CompileRequest request, CompileObserver observer)
    {
        if (request.VerifyEach)
        {
            GraphVerifier.Verify(graph, _registry, stage);
        }
        if (request.DumpIrAfter is { } dump && (dump == "all" || dump == stage))
        {
            observer.DumpIr?.Invoke(stage, graph);
        }
    }

    private void CheckDumpTarget(string? dump)
    {
        if (dump is null or "all" or "frontend" || _options.Passes.Contains(dump))
        {
            return;
        }
        throw new WasmGraphException(
            $"--dump-ir {dump}: no such stage in this pipeline; use 'frontend', 'all' or one of: {PassListResolver.Format(_options.Passes)}");
    }

    /// <summary>Lists every node the backend cannot lower, so the user sees all problems at once, not one per try.</summary>
    private static void RejectUnsupported(IBackend backend, Graph graph, string file)
    {
        var problems = new List<string>();
        foreach (var node in graph.Nodes)
        {
            if (!backend.IsOpSupported(node, graph, out var reason))
            {
                problems.Add($"{node.Describe()}{(reason is null ? "" : ": " + reason)}");
            }
        }
        if (problems.Count > 0)
        {
            var shown = problems.Take(10).ToImmutableArray();
            var more = problems.Count > shown.Length ? $"\n  … and {problems.Count - shown.Length} more" : "";
            throw new ModelException(
                $"backend '{backend.Name}' cannot lower {problems.Count} node(s):\n  {string.Join("\n  ", shown)}{more}", file);
        }
    }
}
