using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.Pipeline;

namespace WasmGraph.Host.Plugins;

/// <summary>
/// What the <see cref="ComponentCatalog"/> hands out instead of a plugin's own object: every call the host makes into a
/// component (capability queries, Load, Run, Compile, a runtime's sessions) goes through here, so a component that
/// throws, or returns null where the contract promises a value, is reported as a <see cref="ComponentFailureException"/>
/// naming the component and its plugin ("internal error in pass 'x' (plugin Y)"), wherever the host calls it.
/// User errors (<see cref="Abstractions.WasmGraphException"/>) and cancellation pass through unchanged.
/// <para>
/// Name and Description were read once, checked, when the catalog built the component; they are fixed from then on.
/// </para>
/// </summary>
public abstract class GuardedComponent : IComponent
{
    protected GuardedComponent(string kind, string name, string description, string plugin)
    {
        Kind = kind;
        Name = name;
        Description = description;
        Plugin = plugin;
    }

    public string Kind { get; }
    public string Name { get; }
    public string Description { get; }

    /// <summary>The plugin the component came from (its folder name).</summary>
    public string Plugin { get; }

    /// <summary>The plugin's own object.</summary>
    public abstract IComponent Inner { get; }

    /// <summary>Wraps <paramref name="component"/> of kind <typeparamref name="T"/> (one of the four component interfaces).</summary>
    internal static T Wrap<T>(T component, string name, string description, string plugin) where T : class, IComponent
    {
        IComponent wrapped = component switch
        {
            IFrontend f => new GuardedFrontend(f, name, description, plugin),
            IPass p => new GuardedPass(p, name, description, plugin),
            IBackend b => new GuardedBackend(b, name, description, plugin),
            IRuntime r => new GuardedRuntime(r, name, description, plugin),
            _ => throw new ArgumentException($"{typeof(T).Name} is not a component kind the host knows", nameof(component)),
        };
        return (T)wrapped;
    }

    /// <summary>Calls into the plugin; a throw that is not a user error or a cancellation blames the component.</summary>
    protected T Call<T>(Func<T> work) => ComponentFailureException.Guard(Kind, Name, Plugin, work);

    /// <summary>Like <see cref="Call{T}"/>, and a null result is the component's failure too.</summary>
    protected T CallNotNull<T>(string member, Func<T?> work) where T : class
        => Call(work) ?? throw Broken($"{member} returned null");

    protected ComponentFailureException Broken(string problem)
        => new(Kind, Name, Plugin, new InvalidOperationException(problem));
}

internal sealed class GuardedFrontend : GuardedComponent, IFrontend
{
    private readonly IFrontend _inner;

    public GuardedFrontend(IFrontend inner, string name, string description, string plugin)
        : base("frontend", name, description, plugin) => _inner = inner;

    public override IComponent Inner => _inner;

    public IReadOnlyList<string> Extensions => CallNotNull(nameof(Extensions), () => _inner.Extensions);

    public bool CanLoad(string path) => Call(() => _inner.CanLoad(path));

    public Graph Load(Stream stream, FrontendOptions options) => CallNotNull(nameof(Load), () => _inner.Load(stream, options));
}

internal sealed class GuardedPass : GuardedComponent, IPass
{
    private readonly IPass _inner;

    public GuardedPass(IPass inner, string name, string description, string plugin)
        : base("pass", name, description, plugin) => _inner = inner;

    public override IComponent Inner => _inner;

    public IReadOnlyList<string> Requires => CallNotNull(nameof(Requires), () => _inner.Requires);

    public IReadOnlyList<string> RunsAfter => CallNotNull(nameof(RunsAfter), () => _inner.RunsAfter);

    // Default interface members must be forwarded by hand: without this the wrapper's own default (null: "not
    // declared") would hide the pass's keys, and a misspelled PassOptions key would pass unchecked.
    public IReadOnlyCollection<string>? OptionKeys => Call(() => _inner.OptionKeys);

    public Graph Run(Graph graph, PassContext context) => CallNotNull(nameof(Run), () => _inner.Run(graph, context));
}

internal sealed class GuardedBackend : GuardedComponent, IBackend
{
    private readonly IBackend _inner;

    public GuardedBackend(IBackend inner, string name, string description, string plugin)
        : base("backend", name, description, plugin) => _inner = inner;

    public override IComponent Inner => _inner;

    public IReadOnlySet<string> SupportedOps => CallNotNull(nameof(SupportedOps), () => _inner.SupportedOps);

    public bool IsOpSupported(Node node, Graph graph, out string? reason)
    {
        var (supported, why) = Call(() => (_inner.IsOpSupported(node, graph, out var r), r));
        reason = why;
        return supported;
    }

    // Forwarded by hand for the same reason as GuardedPass.OptionKeys: the interface's default accepts everything.
    public void CheckOptions(BackendOptions options) => Call(() =>
    {
        _inner.CheckOptions(options);
        return 0;
    });

    public string TuningTarget(BackendOptions options) => CallNotNull(nameof(TuningTarget), () => _inner.TuningTarget(options));

    public IReadOnlyList<TuningWorkload> TuningWorkloads(Graph graph, BackendOptions options)
        => CallNotNull(nameof(TuningWorkloads), () => _inner.TuningWorkloads(graph, options));

    public Artifact Compile(Graph graph, BackendOptions options)
    {
        var artifact = CallNotNull(nameof(Compile), () => _inner.Compile(graph, options));
        if (artifact.Bytes is null || artifact.Metadata is null || artifact.Format is null)
        {
            throw Broken($"{nameof(Compile)} returned an artifact without {(artifact.Bytes is null ? "bytes" : artifact.Metadata is null ? "metadata" : "a format")}");
        }
        return artifact;
    }
}

internal sealed class GuardedRuntime : GuardedComponent, IRuntime
{
    private readonly IRuntime _inner;

    public GuardedRuntime(IRuntime inner, string name, string description, string plugin)
        : base("runtime", name, description, plugin) => _inner = inner;

    public override IComponent Inner => _inner;

    public IModelSession Load(byte[] module, RuntimeOptions options)
        => new GuardedSession(this, CallNotNull(nameof(Load), () => _inner.Load(module, options)));

    /// <summary>A session of a guarded runtime: its calls are blamed on the runtime.</summary>
    private sealed class GuardedSession : IModelSession
    {
        private readonly GuardedRuntime _runtime;
        private readonly IModelSession _inner;

        public GuardedSession(GuardedRuntime runtime, IModelSession inner)
        {
            _runtime = runtime;
            _inner = inner;
        }

        public ModelMetadata Metadata => _runtime.CallNotNull("session " + nameof(Metadata), () => _inner.Metadata);

        public IReadOnlyDictionary<string, TensorData> Run(IReadOnlyDictionary<string, TensorData> inputs)
        {
            var outputs = _runtime.CallNotNull("session " + nameof(Run), () => _inner.Run(inputs));
            if (outputs.FirstOrDefault(o => o.Value is null) is { Key: { } name })
            {
                throw _runtime.Broken($"session {nameof(Run)} returned null for output '{name}'");
            }
            return outputs;
        }

        public void Dispose() => _runtime.Call(() =>
        {
            _inner.Dispose();
            return 0;
        });
    }
}
