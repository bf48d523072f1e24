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
        var frontend = _catalog.Require<IFrontend>(_options.Frontend, "Pipeline:Frontend");
        var passes = _options.Passes.Select((p, i) => _catalog.Require<IPass>(p, $"Pipeline:Passes:{i}")).ToList();
        var backend = _catalog.Require<IBackend>(_options.Backend.Name, "Pipeline:Backend:Name");
        var backendOptions = new BackendOptions
        {
            OptLevel = _options.Backend.OptLevel,
            Features = _options.Backend.Features,
            Deterministic = _options.Backend.Deterministic,
            ConvAlgorithm = _options.Backend.ConvAlgorithm,
            Cancellation = cancellation,
        };
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

        var backendStage = $"backend ({backend.Name})";
        observer.Planned?.Invoke(["frontend", .. passes.Select(p => p.Name), backendStage, "write"]);
        var stages = new List<StageTiming>();
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

        RejectUnsupported(backend, graph, request.ModelPath);
        // The backend reports each step as it finishes; their order is kept so --verbose lists sub-timings as they ran.
        var steps = new BackendStepRecorder(observer.BackendProgress);
        var compileOptions = backendOptions with { Progress = steps };
        var finalGraph = graph;
        var artifact = Timed(backendStage, observer, stages, finalGraph.Nodes.Length,
                             () => backend.Compile(finalGraph, compileOptions),
                             _ => null, details: null, timingsOf: a => steps.Order(a.TimingsMs));
        cancellation.ThrowIfCancellationRequested();

        Timed("write", observer, stages, null, () =>
        {
            AtomicFile.WriteAllBytes(request.OutputPath, artifact.Bytes, cancellation);
            return 0;
        }, _ => null);
        return new CompileResult(artifact, Path.GetFullPath(request.OutputPath), stages, graph);
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
