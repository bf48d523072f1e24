using System.Collections.Concurrent;
using System.Diagnostics;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Onnx.Proto;

namespace WasmGraph.Conformance;

/// <summary>
/// Runs ONNX backend test cases through a real pipeline (frontend → passes → backend → runtime) and compares every
/// output with the reference: |actual − expected| ≤ 1e-5 + 1e-3·|expected| for floats (NaN matches NaN; 2^-7
/// relative for bfloat16, see <see cref="BFloat16RelativeTolerance"/>), exact for integer and bool tensors. A case is <c>Unsupported</c> when the pipeline refuses it with a clear
/// "unsupported" error, <c>Failed</c> for any other error or mismatch; no exception escapes a case.
/// </summary>
public sealed class ConformanceRunner
{
    public const double RelativeTolerance = 1e-3;
    public const double AbsoluteTolerance = 1e-5;

    /// <summary>
    /// One bfloat16 unit in the last place (2^-7 relative): bfloat16 keeps 8 significant bits, so 1e-3 would demand
    /// more than the format holds, and the 1.12 data converts float32 → bfloat16 by truncation while WasmGraph (like
    /// ONNX Runtime and later ONNX releases) rounds to nearest even, which differs by at most one unit.
    /// </summary>
    public const double BFloat16RelativeTolerance = 1.0 / 128;

    private readonly IFrontend _frontend;
    private readonly IReadOnlyList<IPass> _passes;
    private readonly OpRegistry _registry;
    private readonly IBackend _backend;
    private readonly IRuntime _runtime;

    private readonly BackendOptions _backendOptions;

    /// <param name="backendOptions">The backend's options for every case (a target profile's features, say); the defaults when null.</param>
    public ConformanceRunner(IFrontend frontend, IReadOnlyList<IPass> passes, OpRegistry registry, IBackend backend, IRuntime runtime,
                             BackendOptions? backendOptions = null)
    {
        _backendOptions = backendOptions ?? new BackendOptions();
        _frontend = frontend;
        _passes = passes;
        _registry = registry;
        _backend = backend;
        _runtime = runtime;
    }

    /// <summary>
    /// Runs all cases in both modes, <paramref name="parallelism"/> cases at a time, reporting each case as it completes.
    /// A case without shape-deciding inputs gives the pipeline exactly the same request in both modes (nothing to
    /// bind), so it is compiled and run once and its result counts in both figures.
    /// </summary>
    public ConformanceResults RunAll(IEnumerable<ConformanceCase> cases, int parallelism = 2, Action<CaseResult, CaseResult>? onResult = null, CancellationToken cancellation = default)
    {
        var results = new ConcurrentBag<(CaseResult RunTime, CaseResult Bound)>();
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = cancellation };
        Parallel.ForEach(cases, options, c =>
        {
            var runTime = Run(c, ConformanceMode.RunTimeInputs, out bool hasParameters);
            var bound = hasParameters ? Run(c, ConformanceMode.BoundParameters, out _) : runTime;
            results.Add((runTime, bound));
            onResult?.Invoke(runTime, bound);
        });
        var ordered = results.OrderBy(r => r.RunTime.Case.Id, StringComparer.Ordinal).ToList();
        return new ConformanceResults(ordered.Select(r => r.RunTime).ToList(), ordered.Select(r => r.Bound).ToList());
    }

    public CaseResult Run(ConformanceCase testCase, ConformanceMode mode) => Run(testCase, mode, out _);

    /// <summary>One case in one mode; <paramref name="hasParameters"/> tells whether it has inputs that <see cref="ConformanceMode.BoundParameters"/> binds.</summary>
    public CaseResult Run(ConformanceCase testCase, ConformanceMode mode, out bool hasParameters)
    {
        string op = "?";
        double compileMs = 0;
        hasParameters = false;
        try
        {
            op = OpOf(testCase);
            var dataSets = PreparedCase.Load(testCase, out var problem);
            if (dataSets.Count == 0)
            {
                return new CaseResult(testCase, op, CaseStatus.Unsupported, $"unsupported: {problem}", 0);
            }
            hasParameters = dataSets.Any(d => !d.Bindings(ConformanceMode.BoundParameters).IsEmpty);
            foreach (var data in dataSets)
            {
                var clock = Stopwatch.StartNew();
                var frontendOptions = new FrontendOptions
                {
                    SourceName = testCase.Id, InputShapes = data.InputShapes(mode), Bindings = data.Bindings(mode), Registry = _registry,
                };
                var graph = _frontend.Load(new MemoryStream(data.Model), frontendOptions);
                foreach (var pass in _passes)
                {
                    graph = pass.Run(graph, new PassContext(_registry));
                }
                var artifact = _backend.Compile(graph, _backendOptions);
                compileMs += clock.Elapsed.TotalMilliseconds;
                using var session = _runtime.Load(artifact.Bytes, new RuntimeOptions { Timeout = TimeSpan.FromSeconds(30) });
                var actual = session.Run(data.RunTimeInputs(mode));
                foreach (var (name, expected) in data.Outputs)
                {
                    if (!actual.TryGetValue(name, out var got))
                    {
                        return new CaseResult(testCase, op, CaseStatus.Failed, $"output '{name}' is missing", compileMs);
                    }
                    if (Compare(expected, got) is { } mismatch)
                    {
                        return new CaseResult(testCase, op, CaseStatus.Failed, $"output '{name}': {mismatch}", compileMs);
                    }
                }
            }
            return new CaseResult(testCase, op, CaseStatus.Passed, null, compileMs);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var message = FirstLine(e.Message);
            var status = e is UnsupportedOpException || message.Contains("not supported", StringComparison.Ordinal) || message.StartsWith("unsupported", StringComparison.Ordinal)
                ? CaseStatus.Unsupported
                : CaseStatus.Failed;
            string reason = e is ModelException or WasmGraphException ? message : $"{e.GetType().Name}: {message}";
            return new CaseResult(testCase, op, status, reason, compileMs);
        }
    }

    /// <summary>Null when the tensors match within tolerance, else what differs.</summary>
    public static string? Compare(TensorData expected, TensorData actual)
    {
        if (expected.Type.Shape != actual.Type.Shape)
        {
            return $"shape {actual.Type.Shape}, expected {expected.Type.Shape}";
        }
        if (expected.Type.ElementType != actual.Type.ElementType)
        {
            return $"element type {actual.Type.ElementType.Name()}, expected {expected.Type.ElementType.Name()}";
        }
        if (expected.Type.ElementType.IsFloat())
        {
            var e = ConstantMath.Doubles(expected);
            var a = ConstantMath.Doubles(actual);
            double relativeTolerance = expected.Type.ElementType == DataType.BFloat16 ? BFloat16RelativeTolerance : RelativeTolerance;
            for (int i = 0; i < e.Length; i++)
            {
                bool bothNaN = double.IsNaN(e[i]) && double.IsNaN(a[i]);
                bool sameInfinity = double.IsInfinity(e[i]) && e[i] == a[i];
                if (!bothNaN && !sameInfinity && !(Math.Abs(a[i] - e[i]) <= AbsoluteTolerance + relativeTolerance * Math.Abs(e[i])))
                {
                    return $"element {i} is {a[i]:G9}, expected {e[i]:G9}";
                }
            }
            return null;
        }
        var el = expected.ToInt64Array();
        var al = actual.ToInt64Array();
        for (int i = 0; i < el.Length; i++)
        {
            if (el[i] != al[i])
            {
                return $"element {i} is {al[i]}, expected {el[i]}";
            }
        }
        return null;
    }

    /// <summary>
    /// The op a case tests: the op type whose name the case name starts with (test_reduce_sum_… → ReduceSum), else the
    /// op of the first node; pytorch-converted and -operator cases are named after a module (test_Conv2d_… → Conv2d).
    /// </summary>
    public static string OpOf(ConformanceCase testCase)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(testCase.Directory, "model.onnx")));
        var name = testCase.Name.StartsWith("test_", StringComparison.Ordinal) ? testCase.Name[5..] : testCase.Name;
        if (testCase.Suite != "node")
        {
            return testCase.Suite == "simple" ? "simple" : name.Split('_')[0];
        }
        var flat = name.Replace("_", "", StringComparison.Ordinal);
        var match = model.Graph.Node.Select(n => n.OpType).Distinct()
            .Where(t => flat.StartsWith(t, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(t => t.Length).FirstOrDefault();
        return match ?? model.Graph.Node.Select(n => n.OpType).FirstOrDefault(t => t is not ("Constant" or "Identity" or "Cast")) ?? "?";
    }

    private static string FirstLine(string message)
    {
        int newline = message.IndexOf('\n', StringComparison.Ordinal);
        return (newline < 0 ? message : message[..newline]).Trim();
    }
}

/// <summary>Every case's result in each mode, in case-id order (the two lists are parallel).</summary>
public sealed record ConformanceResults(IReadOnlyList<CaseResult> RunTime, IReadOnlyList<CaseResult> Bound);
