using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Host.Pipeline;

/// <summary>One compilation: the model, where the module goes, and per-run switches.</summary>
public sealed record CompileRequest(string ModelPath, string OutputPath)
{
    public ImmutableDictionary<string, ImmutableArray<long>> InputShapes { get; init; } = ImmutableDictionary<string, ImmutableArray<long>>.Empty;

    /// <summary>
    /// The smallest shape of each input pinned with a range (<c>--input-shape input_ids=1,1..128</c>): an axis whose
    /// minimum is below its bound in <see cref="InputShapes"/> takes any extent in between at run time (one extent per
    /// module). Empty for a static module.
    /// </summary>
    public ImmutableDictionary<string, ImmutableArray<long>> InputShapeMinimums { get; init; } = ImmutableDictionary<string, ImmutableArray<long>>.Empty;

    /// <summary>Graph inputs frozen to values (<c>--bind NAME=FILE.npy</c>), checked by the frontend against the model.</summary>
    public ImmutableDictionary<string, TensorData> Bindings { get; init; } = ImmutableDictionary<string, TensorData>.Empty;

    /// <summary>Run the IR verifier after the frontend and after every pass (<c>--verify-each</c>).</summary>
    public bool VerifyEach { get; init; }

    /// <summary>"frontend", a pass name, or "all": print the IR after that stage (<c>--dump-ir</c>).</summary>
    public string? DumpIrAfter { get; init; }

    /// <summary>A preprocessing model whose outputs feed the model's inputs; both become one module (<c>--prepend</c>).</summary>
    public string? PrependModelPath { get; init; }

    /// <summary>Preprocessing hints recorded in the module's metadata (<c>--hint layout=NCHW</c>).</summary>
    public ImmutableDictionary<string, string> Hints { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>
    /// The target profiles to compile for (<c>--target</c>), each into <see cref="TargetProfiles.PathFor"/> of
    /// <see cref="OutputPath"/> when there are several, into <see cref="OutputPath"/> itself when there is one. Empty:
    /// one module with the configured <c>Pipeline:Backend:Features</c>.
    /// </summary>
    public ImmutableArray<TargetProfile> Targets { get; init; } = [];

    /// <summary>Every file this request writes, in <see cref="Targets"/> order.</summary>
    public IEnumerable<string> OutputPaths => Targets.Length <= 1 ? [OutputPath] : Targets.Select(t => TargetProfiles.PathFor(OutputPath, t));
}

/// <summary>
/// How long one stage took, the graph's node count before and after it (null where there is no graph on that side:
/// before the frontend, after the backend), and the pass statistics or backend sub-timings it reported, in the order
/// they happened.
/// </summary>
public sealed record StageTiming(string Stage, double Milliseconds, IReadOnlyList<KeyValuePair<string, double>> Details)
{
    public int? NodesBefore { get; init; }
    public int? NodesAfter { get; init; }

    /// <summary>Whether <see cref="Details"/> are sub-timings in milliseconds (backend) rather than counters (passes).</summary>
    public bool DetailsAreTimings { get; init; }
}

/// <summary>One module a compilation wrote: its target profile (null: the configured features), the artifact and its full path.</summary>
public sealed record CompiledModule(TargetProfile? Target, Artifact Artifact, string Path);

/// <summary>
/// What a compilation produced: <see cref="Artifact"/> and <see cref="OutputPath"/> are the first (or only) module's,
/// <see cref="Modules"/> every module, one per target profile of the request.
/// </summary>
public sealed record CompileResult(Artifact Artifact, string OutputPath, IReadOnlyList<StageTiming> Stages, Graph FinalGraph)
{
    public IReadOnlyList<CompiledModule> Modules { get; init; } = [];

    public double TotalMilliseconds => Stages.Sum(s => s.Milliseconds);
}

/// <summary>
/// Callbacks a CLI gives the pipeline: the stages in the order they will run (before any starts), which stage is
/// running, which has finished, the backend's own progress, and where dumped IR goes.
/// </summary>
public sealed record CompileObserver
{
    public Action<IReadOnlyList<string>>? Planned { get; init; }
    public Action<string>? StageStarted { get; init; }
    public Action<StageTiming>? StageFinished { get; init; }
    public Action<string, Graph>? DumpIr { get; init; }
    public IProgress<(string Step, double Fraction)>? BackendProgress { get; init; }
}
