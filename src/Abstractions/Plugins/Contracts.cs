using System.Collections.Immutable;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Abstractions.Plugins;

/// <summary>Version of these contracts. The host refuses plugins built against another major version.</summary>
public static class AbstractionsVersion
{
    public const int Major = 1;
}

/// <summary>Every pluggable component has a config name (kebab-case) and a one-line description.</summary>
public interface IComponent
{
    string Name { get; }
    string Description { get; }
}

/// <summary>Entry point of a plugin assembly: it registers its components into the host's container.</summary>
public interface IPluginFactory
{
    void Configure(IServiceCollection services, IConfiguration configuration);
}

public sealed record FrontendOptions
{
    /// <summary>Shown in error messages (usually the file path).</summary>
    public string SourceName { get; init; } = "<model>";

    /// <summary>Pins input shapes, for models with dynamic dimensions (<c>--input-shape name=1,3,224,224</c>).</summary>
    public ImmutableDictionary<string, ImmutableArray<long>> InputShapes { get; init; } = ImmutableDictionary<string, ImmutableArray<long>>.Empty;

    /// <summary>
    /// Freezes graph inputs to values (<c>--bind name=value.npy</c>): each becomes a constant before any node is
    /// imported, so whatever is computed from it folds, as <see cref="InputShapes"/> pins a dimension. The frontend
    /// checks each value's element type and shape against the input it binds and records the binding in the graph's
    /// metadata (<see cref="Ir.GraphMetadata.BoundInputsOf"/>).
    /// </summary>
    public ImmutableDictionary<string, TensorData> Bindings { get; init; } = ImmutableDictionary<string, TensorData>.Empty;

    /// <summary>
    /// The ops the graph is built from: the host passes its registry, which holds the ops plugins added (and their
    /// <see cref="Ops.OpDefinition.Imports"/>); a frontend infers types and verifies with it, never with the default.
    /// </summary>
    public Ops.OpRegistry Registry { get; init; } = Ops.OpRegistry.Default;
}

/// <summary>Reads a model file into the IR. The graph it returns must verify and have fully static types.</summary>
public interface IFrontend : IComponent
{
    /// <summary>
    /// The file extensions this frontend reads (".onnx"), shown by <c>wasmgraph plugins</c> so users can tell which
    /// frontend takes their file. Informational only: <see cref="CanLoad"/> decides. Defaults to none, so frontends
    /// built before this member existed still load.
    /// </summary>
    IReadOnlyList<string> Extensions => Array.Empty<string>();

    bool CanLoad(string path);

    Graph Load(Stream stream, FrontendOptions options);
}

/// <summary>
/// What the backend a pipeline compiles for can run (Glow's <c>isOpSupported</c>). A pass asks before it makes an op,
/// and leaves the graph as it was where the answer is no, so the same pipeline serves every backend.
/// </summary>
public interface IBackendCapabilities
{
    /// <summary>Whether the backend lowers <paramref name="op"/> at all (for a pass that makes nodes whose values are not in the graph yet).</summary>
    bool SupportsOp(string op);

    /// <summary>Whether the backend lowers <paramref name="node"/>, whose inputs and outputs are typed in <paramref name="graph"/>.</summary>
    bool CanRun(Node node, Graph graph);
}

/// <summary>The capabilities of a backend, from its <see cref="IBackend.SupportedOps"/> and <see cref="IBackend.IsOpSupported"/>.</summary>
public sealed class BackendCapabilities : IBackendCapabilities
{
    private readonly IBackend _backend;

    public BackendCapabilities(IBackend backend) => _backend = backend;

    public bool SupportsOp(string op) => _backend.SupportedOps.Contains(op);

    public bool CanRun(Node node, Graph graph) => _backend.IsOpSupported(node, graph, out _);
}

/// <summary>Every op in the registry, for passes run without a backend (tests, tools that only rewrite graphs).</summary>
public sealed class RegistryCapabilities : IBackendCapabilities
{
    private readonly Ops.OpRegistry _registry;

    public RegistryCapabilities(Ops.OpRegistry registry) => _registry = registry;

    public bool SupportsOp(string op) => _registry.Contains(op);

    public bool CanRun(Node node, Graph graph) => _registry.Contains(node.Op);
}

/// <summary>What a pass sees besides the graph: its options, the op registry, the backend's capabilities, cancellation.</summary>
public sealed class PassContext
{
    public PassContext(Ops.OpRegistry registry, IConfiguration? options = null, CancellationToken cancellation = default)
    {
        Registry = registry;
        Options = options ?? new ConfigurationBuilder().Build();
        Cancellation = cancellation;
        Capabilities = new RegistryCapabilities(registry);
    }

    public Ops.OpRegistry Registry { get; }

    /// <summary>What the target backend can run; every registry op when the pass runs without one.</summary>
    public IBackendCapabilities Capabilities { get; init; }

    /// <summary>This pass's own options section (<c>Pipeline:PassOptions:&lt;name&gt;</c>).</summary>
    public IConfiguration Options { get; }

    public CancellationToken Cancellation { get; }

    /// <summary>Counters a pass may bump ("folded 22 BatchNormalization"); shown by --verbose.</summary>
    public Dictionary<string, long> Statistics { get; } = new();
}

/// <summary>A graph-to-graph transformation. Passes never mutate their input.</summary>
public interface IPass : IComponent
{
    /// <summary>Passes that must run earlier in the pipeline (hard: the host refuses a pipeline without them).</summary>
    IReadOnlyList<string> Requires => Array.Empty<string>();

    /// <summary>
    /// Passes that, when the pipeline has them, must run earlier (soft: either may be left out, but never reordered).
    /// The host refuses a pipeline that lists one of them after this pass, before it reads a model.
    /// </summary>
    IReadOnlyList<string> RunsAfter => Array.Empty<string>();

    /// <summary>
    /// The keys this pass reads from its options section (<c>Pipeline:PassOptions:&lt;name&gt;</c>), so that the host can
    /// refuse a misspelled key instead of silently ignoring it; null (the default, for passes built before this member
    /// existed) means "not declared", and then keys are not checked.
    /// </summary>
    IReadOnlyCollection<string>? OptionKeys => null;

    Graph Run(Graph graph, PassContext context);
}

public sealed record BackendOptions
{
    /// <summary>
    /// The default <see cref="Features"/>: the relaxed target profile's (<see cref="TargetProfiles.Relaxed"/>).
    /// src/Host/appsettings.json repeats it so users see the setting (a Host test checks they agree).
    /// </summary>
    public const string DefaultFeatures = TargetProfiles.RelaxedFeatures;

    public int OptLevel { get; init; } = 3;
    /// <summary>
    /// Target features in the backend's own syntax (for llvm-wasm, LLVM's "+simd128,-sign-ext"); the backend checks
    /// them in <see cref="IBackend.CheckOptions"/> and must compile every set it accepts.
    /// </summary>
    public string Features { get; init; } = DefaultFeatures;

    /// <summary>Use plain mul+add instead of relaxed fused multiply-add, for bit-reproducible results across hosts.</summary>
    public bool Deterministic { get; init; }

    /// <summary>The default <see cref="ConvAlgorithm"/>: the backend picks per convolution from its measurements.</summary>
    public const string DefaultConvAlgorithm = "auto";

    /// <summary>
    /// How convolutions are computed, in the backend's own names (for llvm-wasm: auto, direct, winograd2, winograd4,
    /// winograd6); anything but auto forces that algorithm on every convolution it fits, for tests and benchmarks.
    /// The backend checks it in <see cref="IBackend.CheckOptions"/>.
    /// </summary>
    public string ConvAlgorithm { get; init; } = DefaultConvAlgorithm;

    /// <summary>
    /// A tuning log (<c>wasmgraph tune</c>): its entries for this backend's target choose the kernel of each workload
    /// they name, over the backend's built-in defaults; a forced <see cref="ConvAlgorithm"/> still wins. Null: the
    /// defaults decide. The host reads it from <c>Pipeline:Backend:Tuning</c> (<c>compile --tuning</c>); the backend
    /// checks its entries in <see cref="IBackend.CheckOptions"/>.
    /// </summary>
    public TuningLog? Tuning { get; init; }

    /// <summary>
    /// 1 (the default): the single-threaded, import-free module. 2..<see cref="ModuleAbi.MaxThreads"/>: a threaded module
    /// (docs/abi.md "Threaded modules") that runs with 1..Threads workers on one shared memory (<c>compile --threads</c>).
    /// </summary>
    public int Threads { get; init; } = 1;

    /// <summary>Reports coarse progress (a step name and a fraction 0..1).</summary>
    public IProgress<(string Step, double Fraction)>? Progress { get; init; }

    public CancellationToken Cancellation { get; init; }
}

/// <summary>A compiled, self-contained module plus the metadata it embeds.</summary>
public sealed record Artifact(byte[] Bytes, ModelMetadata Metadata, string Format)
{
    public ImmutableDictionary<string, double> TimingsMs { get; init; } = ImmutableDictionary<string, double>.Empty;
}

/// <summary>Lowers the IR to an executable artefact.</summary>
public interface IBackend : IComponent
{
    /// <summary>The IR ops this backend lowers.</summary>
    IReadOnlySet<string> SupportedOps { get; }

    /// <summary>Whether this node, with its attributes and types, can be lowered; <paramref name="reason"/> says why not.</summary>
    bool IsOpSupported(Node node, Graph graph, out string? reason);

    /// <summary>
    /// Throws a <see cref="WasmGraphException"/> naming the option when <paramref name="options"/> cannot be honoured
    /// (an unknown target feature, say). The host calls it before reading the model, so a bad option fails in
    /// milliseconds; <see cref="Compile"/> must still refuse what this refuses. Defaults to accepting everything, so
    /// backends built before this member existed still load.
    /// </summary>
    void CheckOptions(BackendOptions options)
    {
    }

    Artifact Compile(Graph graph, BackendOptions options);

    /// <summary>
    /// The target a tuning log entry must name to apply under <paramref name="options"/> (for llvm-wasm, the normalised
    /// feature string). Defaults to the backend's name.
    /// </summary>
    string TuningTarget(BackendOptions options) => Name;

    /// <summary>
    /// The distinct workloads of <paramref name="graph"/> that this backend can compute with more than one kernel, each
    /// with a one-node benchmark graph and the options that compile it with each candidate (<c>wasmgraph tune</c>
    /// measures them). Defaults to none: a backend with one kernel per op has nothing to tune.
    /// </summary>
    IReadOnlyList<TuningWorkload> TuningWorkloads(Graph graph, BackendOptions options) => [];
}

public sealed record RuntimeOptions
{
    /// <summary>Directory for compiled-module caches; null disables caching.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Most bytes the compiled-module cache may hold before least recently used entries go; null: the runtime's default.</summary>
    public long? CacheMaxBytes { get; init; }

    /// <summary>Wall-clock limit for one run; null means none.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Upper bound on linear memory, in bytes; null means the module's own declaration.</summary>
    public long? MaxMemoryBytes { get; init; }

    /// <summary>
    /// Workers per run for a threaded module (<c>run --threads</c>): 1 (the default) up to the module's compiled
    /// <see cref="ModelMetadata.Threads"/>; a runtime refuses more, or more than 1 for a module compiled without threads.
    /// </summary>
    public int Threads { get; init; } = 1;

    /// <summary>
    /// Stops the sessions loaded with these options (Ctrl-C, SIGTERM, a caller giving up). Once it is cancelled, a call
    /// running in the module is stopped promptly (a runtime should take well under a second) and
    /// <see cref="IModelSession.Run"/> throws <see cref="OperationCanceledException"/>, as does every later call and a
    /// <see cref="IRuntime.Load"/> that sees it. A stopped session must not return partial outputs. Defaults to none.
    /// </summary>
    public CancellationToken Cancellation { get; init; }
}

/// <summary>Loads artefacts and runs them.</summary>
public interface IRuntime : IComponent
{
    IModelSession Load(byte[] module, RuntimeOptions options);
}

/// <summary>
/// Optional capability of a session whose module exports the profiling entry points (docs/abi.md): times each
/// compiled kernel alone, in order, over the given inputs.
/// </summary>
public interface IKernelProfiler
{
    /// <summary>Milliseconds per kernel (the best of <paramref name="repeat"/> runs), in metadata kernel order.</summary>
    IReadOnlyList<double> ProfileKernels(IReadOnlyDictionary<string, TensorData> inputs, int repeat);
}

/// <summary>One loaded model instance. Not thread-safe: use one session per thread.</summary>
public interface IModelSession : IDisposable
{
    ModelMetadata Metadata { get; }

    /// <summary>
    /// Runs the model. Inputs are matched by name and must have exactly the declared types. Outputs have their declared
    /// types, except that a bounded output (<see cref="TensorInfo.DynamicDims"/>) comes trimmed to this run's actual dims.
    /// Throws <see cref="OperationCanceledException"/> when <see cref="RuntimeOptions.Cancellation"/> stops it.
    /// </summary>
    IReadOnlyDictionary<string, TensorData> Run(IReadOnlyDictionary<string, TensorData> inputs);
}
