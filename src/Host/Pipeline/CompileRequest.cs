using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Host.Pipeline;

/// <summary>One compilation: the model, where the module goes, and per-run switches.</summary>
public sealed record CompileRequest(string ModelPath, string OutputPath)
{
    public ImmutableDictionary<string, ImmutableArray<long>> InputShapes { get; init; } = ImmutableDictionary<string, ImmutableArray<long>>.Empty;

    /// <summary>Run the IR verifier after the frontend and after every pass (<c>--verify-each</c>).</summary>
    public bool VerifyEach { get; init; }

    /// <summary>"frontend", a pass name, or "all": print the IR after that stage (<c>--dump-ir</c>).</summary>
    public string? DumpIrAfter { get; init; }

    /// <summary>A preprocessing model whose outputs feed the model's inputs; both become one module (<c>--prepend</c>).</summary>
    public string? PrependModelPath { get; init; }

    /// <summary>Preprocessing hints recorded in the module's metadata (<c>--hint layout=NCHW</c>).</summary>
    public ImmutableDictionary<string, string> Hints { get; init; } = ImmutableDictionary<string, string>.Empty;
}

/// <summary>How long one stage took, with the pass statistics or backend sub-timings it reported.</summary>
public sealed record StageTiming(string Stage, double Milliseconds, IReadOnlyDictionary<string, double> Details);

/// <summary>What a compilation produced.</summary>
public sealed record CompileResult(Artifact Artifact, string OutputPath, IReadOnlyList<StageTiming> Stages, Graph FinalGraph)
{
    public double TotalMilliseconds => Stages.Sum(s => s.Milliseconds);
}

/// <summary>Callbacks a CLI gives the pipeline: which stage is running, and where dumped IR goes.</summary>
public sealed record CompileObserver
{
    public Action<string>? StageStarted { get; init; }
    public Action<string, Graph>? DumpIr { get; init; }
    public IProgress<(string Step, double Fraction)>? BackendProgress { get; init; }
}
