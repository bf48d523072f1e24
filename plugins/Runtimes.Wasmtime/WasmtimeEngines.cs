using System.Reflection;
using System.Runtime.InteropServices;
using Wasmtime;

namespace WasmGraph.Runtimes.Wasmtime;

/// <summary>
/// The engines of one runtime instance, created on first use. There are two because epoch interruption is an
/// engine-wide compile setting: it inserts a check on every loop back-edge, and code compiled with it cannot run in an
/// engine without it (nor the reverse). Runs that can be stopped by neither a time limit nor a cancellation token
/// therefore use an engine that never pays for the checks; the others share a second engine and its ticker thread. All sessions of a runtime share these engines, which
/// also share Wasmtime's compiled-code and signature registries.
/// </summary>
internal sealed class WasmtimeEngines : IDisposable
{
    private readonly Lazy<Engine> _plain = new(() => Create(interruptible: false));
    private readonly Lazy<(Engine Engine, EpochTicker Ticker)> _interruptible = new(() =>
    {
        var engine = Create(interruptible: true);
        return (engine, new EpochTicker(engine));
    });

    /// <summary>Engines with wasm threads and shared memory, for threaded modules (<see cref="ThreadedSession"/>), in the same two kinds.</summary>
    private readonly Lazy<Interop.NativeEngine> _threadedPlain = new(() => new Interop.NativeEngine(interruptible: false, PerfMap));
    private readonly Lazy<Interop.NativeEngine> _threadedInterruptible = new(() => new Interop.NativeEngine(interruptible: true, PerfMap));

    /// <summary>The environment variable that turns on <see cref="PerfMap"/>.</summary>
    public const string PerfMapVariable = "WASMGRAPH_PERF_MAP";

    /// <summary>
    /// Whether the engines write Linux perf's symbol map (<c>/tmp/perf-PID.map</c>, Wasmtime's <c>PerfMap</c> profiling
    /// strategy), so that <c>perf record</c> / <c>perf report</c> name each kernel's machine code by its function
    /// (<c>k12_FusedConv</c>, <c>wg_barrier</c>) instead of an address: <c>WASMGRAPH_PERF_MAP=1</c>. Off by default (it
    /// costs a file write per compiled function); docs/performance.md shows its use.
    /// </summary>
    public static bool PerfMap => Environment.GetEnvironmentVariable(PerfMapVariable) == "1";

    /// <summary>The threads-enabled engine for sessions that can be stopped or not.</summary>
    public Interop.NativeEngine GetThreaded(bool interruptible) => interruptible ? _threadedInterruptible.Value : _threadedPlain.Value;

    /// <summary>The engine for sessions that can be stopped (<paramref name="interruptible"/>, see <see cref="TimeLimit.Needed"/>) or not.</summary>
    public Engine Get(bool interruptible) => interruptible ? _interruptible.Value.Engine : _plain.Value;

    /// <summary>
    /// Identifies everything that makes serialized code from <see cref="Get"/> loadable: the Wasmtime build, our
    /// engine settings and the machine. It is part of the compiled-module cache key; Wasmtime also checks on load.
    /// </summary>
    public static string Tag(bool interruptible)
    {
        var assembly = typeof(Engine).Assembly;
        string version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString() ?? "unknown";
        return $"wasmtime-dotnet {version}; opt=speed; epoch={interruptible}; {RuntimeInformation.ProcessArchitecture}; cache-format=1";
    }

    /// <summary>
    /// <see cref="Tag"/> for the C-API engines of threaded modules (<see cref="GetThreaded"/>: threads and shared memory on,
    /// the same libwasmtime), so their entries never collide with the single-threaded engine's.
    /// </summary>
    public static string ThreadedTag(bool interruptible) => Tag(interruptible) + "; c-api; threads; shared-memory";

    public void Dispose()
    {
        foreach (var threaded in new[] { _threadedPlain, _threadedInterruptible }.Where(e => e.IsValueCreated))
        {
            threaded.Value.Dispose();
        }
        if (_interruptible.IsValueCreated)
        {
            _interruptible.Value.Ticker.Dispose();
            _interruptible.Value.Engine.Dispose();
        }
        if (_plain.IsValueCreated)
        {
            _plain.Value.Dispose();
        }
    }

    private static Engine Create(bool interruptible)
    {
        using var config = new Config()
            .WithOptimizationLevel(OptimizationLevel.Speed)
            .WithEpochInterruption(interruptible)
            .WithProfilingStrategy(PerfMap ? ProfilingStrategy.PerfMap : ProfilingStrategy.None);
        return new Engine(config);
    }
}
