using Microsoft.Extensions.DependencyInjection;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.Hosting;

namespace WasmGraph.Host.Plugins;

/// <summary>A component with the plugin it came from.</summary>
public sealed record ComponentEntry(string Kind, IComponent Component, string Plugin, string Version);

/// <summary>
/// The components the plugins registered, looked up by config name. Each registration is constructed on its own, so a
/// component whose constructor throws, or whose name is not a valid config name (<see cref="ComponentNames"/>), is
/// skipped with a warning against its plugin and the others stay usable; two components of one kind with the same name
/// are an error (<see cref="RejectClashes"/>). What callers get are <see cref="GuardedComponent"/> wrappers, so every
/// call into a plugin names the plugin when it fails.
/// <para>
/// Threat model: a plugin folder is trusted code. A plugin runs in-process with the user's rights and could do
/// anything; these checks guard against its mistakes (a name clash, a null, a throw), not against malice.
/// </para>
/// </summary>
public sealed class ComponentCatalog
{
    private readonly IServiceProvider _services;
    private readonly PluginReport _plugins;
    private readonly HostConsoles _consoles;
    private readonly Dictionary<Type, IReadOnlyList<IComponent>> _cache = new();

    public ComponentCatalog(IServiceProvider services, PluginReport plugins, HostConsoles consoles)
    {
        _services = services;
        _plugins = plugins;
        _consoles = consoles;
    }

    public IReadOnlyList<IFrontend> Frontends => Of<IFrontend>();
    public IReadOnlyList<IPass> Passes => Of<IPass>();
    public IReadOnlyList<IBackend> Backends => Of<IBackend>();
    public IReadOnlyList<IRuntime> Runtimes => Of<IRuntime>();

    public static string KindOf<T>() where T : IComponent => KindOf(typeof(T));

    public static string KindOf(Type type) =>
        type == typeof(IFrontend) ? "frontend"
        : type == typeof(IPass) ? "pass"
        : type == typeof(IBackend) ? "backend"
        : type == typeof(IRuntime) ? "runtime"
        : type.Name;

    /// <summary>Every component, ordered by kind as the pipeline uses them, then by name.</summary>
    public IEnumerable<ComponentEntry> All()
    {
        IEnumerable<(string Kind, IComponent Component)> all =
            Frontends.Select(c => ("frontend", (IComponent)c))
                .Concat(Passes.Select(c => ("pass", (IComponent)c)))
                .Concat(Backends.Select(c => ("backend", (IComponent)c)))
                .Concat(Runtimes.Select(c => ("runtime", (IComponent)c)));
        return all.Select(e => new ComponentEntry(e.Kind, e.Component, PluginOf(e.Component), VersionOf(e.Component)));
    }

    /// <summary>The plugin <paramref name="component"/> came from ("host" for built-in types), for error reports.</summary>
    public string PluginOf(IComponent component)
        => component is GuardedComponent guarded ? guarded.Plugin : _plugins.PluginOf(component.GetType());

    public T? Find<T>(string name) where T : class, IComponent
        => Of<T>().FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.Ordinal));

    /// <summary>The component called <paramref name="name"/>; a user error listing the available ones if there is none.</summary>
    public T Require<T>(string name, string configKey) where T : class, IComponent
        => Find<T>(name) ?? throw new WasmGraphException(UnknownMessage<T>(name, configKey));

    public string UnknownMessage<T>(string name, string configKey) where T : class, IComponent
    {
        var kind = KindOf<T>();
        var names = Of<T>().Select(c => c.Name).Order(StringComparer.Ordinal).ToList();
        var available = names.Count == 0
            ? $"no loaded plugin provides a {kind} (plugins directory: {_plugins.Directory})"
            : $"available {kind}{(kind.EndsWith('s') ? "es" : "s")}: {string.Join(", ", names)}";
        return $"unknown {kind} '{name}' ({configKey}); {available}";
    }

    private string VersionOf(IComponent component)
    {
        var assembly = (component is GuardedComponent guarded ? guarded.Inner : component).GetType().Assembly;
        return _plugins.Loaded.FirstOrDefault(p => p.Assembly == assembly)?.Version ?? assembly.GetName().Version?.ToString() ?? "?";
    }

    private IReadOnlyList<T> Of<T>() where T : class, IComponent
    {
        if (_cache.TryGetValue(typeof(T), out var cached))
        {
            return cached.Cast<T>().ToList();
        }
        var built = new List<(T Component, Type Implementation, string Plugin)>();
        foreach (var (descriptor, plugin) in _plugins.Registrations.Where(r => r.Descriptor.ServiceType == typeof(T) && !r.Descriptor.IsKeyedService))
        {
            if (Build<T>(descriptor, plugin) is { } component)
            {
                built.Add(component);
            }
        }
        RejectClashes(built.Select(b => (b.Component.Name, b.Implementation, b.Plugin)).ToList(), KindOf<T>());
        var components = built.Select(b => b.Component).ToList();
        _cache[typeof(T)] = components.Cast<IComponent>().ToList();
        return components;
    }

    /// <summary>
    /// Constructs one registration and reads its name and description, wrapped so every later call into it is guarded
    /// (<see cref="GuardedComponent"/>); null, with a warning naming the plugin, if it cannot be constructed, is not a
    /// <typeparamref name="T"/>, or has no valid name. Such a component could not be selected anyway.
    /// </summary>
    private (T Component, Type Implementation, string Plugin)? Build<T>(ServiceDescriptor descriptor, string plugin) where T : class, IComponent
    {
        var kind = KindOf<T>();
        var typeName = descriptor.ImplementationType?.Name ?? descriptor.ImplementationInstance?.GetType().Name ?? "(factory)";
        void Skip(string reason)
        {
            var failure = new PluginFailure(plugin, descriptor.ImplementationType?.FullName ?? typeName, $"its {kind} {typeName} {reason}");
            _plugins.Failures.Add(failure);
            _consoles.Warn($"plugin '{plugin}' skipped: {failure.Reason}");
        }

        object? instance;
        string? name;
        string? description;
        try
        {
            instance = descriptor.ImplementationInstance
                       ?? descriptor.ImplementationFactory?.Invoke(_services)
                       ?? ActivatorUtilities.CreateInstance(_services, descriptor.ImplementationType!);
            if (instance is not T component)
            {
                Skip(instance is null ? "was registered as null" : $"is a {instance.GetType().FullName}, which is not an {typeof(T).Name}");
                return null;
            }
            name = component.Name;
            description = component.Description;
        }
        catch (Exception e)
        {
            var inner = e is System.Reflection.TargetInvocationException { InnerException: { } ie } ? ie : e;
            Skip($"could not be constructed: {inner.GetType().Name}: {inner.Message}");
            return null;
        }
        if (ComponentNames.Problem(name) is { } problem)
        {
            Skip($"has an invalid name: {problem}");
            return null;
        }
        var guarded = GuardedComponent.Wrap((T)instance, name!, description ?? "", plugin);
        return (guarded, instance.GetType(), plugin);
    }

    /// <summary>
    /// Two components of one kind with the same name make every configuration that names it ambiguous: which one runs
    /// would depend on the order plugins happen to load in (a plugin pass called <c>fold-constants</c> used to replace
    /// the built-in one in the default pipeline without a word). So a clash stops the command with exit 2, naming both
    /// plugins and their assemblies, rather than letting either win: the user decides by removing or renaming one.
    /// </summary>
    private void RejectClashes(IReadOnlyList<(string Name, Type Implementation, string Plugin)> components, string kind)
    {
        var clashes = components.GroupBy(c => c.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).ToList();
        if (clashes.Count == 0)
        {
            return;
        }
        var lines = clashes.Select(g => $"{kind} '{g.Key}' is provided by " + string.Join(" and by ",
            g.Select(c => $"plugin {c.Plugin} ({c.Implementation.FullName} in {c.Implementation.Assembly.Location})")));
        throw new WasmGraphException(
            $"{string.Join("; ", lines)}. Component names must be unique across all plugins (plugins directory: {_plugins.Directory}); " +
            "remove one of the plugins or rename its component");
    }
}
