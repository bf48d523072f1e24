using Microsoft.Extensions.DependencyInjection;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.Hosting;

namespace WasmGraph.Host.Plugins;

/// <summary>A component with the plugin it came from.</summary>
public sealed record ComponentEntry(string Kind, IComponent Component, string Plugin, string Version);

/// <summary>
/// The components the plugins registered, looked up by config name. Each registration is constructed on its own, so a
/// component whose constructor throws is reported against its plugin and the others stay usable.
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
        return all.Select(e => new ComponentEntry(e.Kind, e.Component, _plugins.PluginOf(e.Component.GetType()), VersionOf(e.Component)));
    }

    /// <summary>The plugin <paramref name="component"/> came from ("host" for built-in types), for error reports.</summary>
    public string PluginOf(IComponent component) => _plugins.PluginOf(component.GetType());

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
        => _plugins.Loaded.FirstOrDefault(p => p.Assembly == component.GetType().Assembly)?.Version
           ?? component.GetType().Assembly.GetName().Version?.ToString() ?? "?";

    private IReadOnlyList<T> Of<T>() where T : class, IComponent
    {
        if (_cache.TryGetValue(typeof(T), out var cached))
        {
            return cached.Cast<T>().ToList();
        }
        var built = new List<T>();
        foreach (var (descriptor, plugin) in _plugins.Registrations.Where(r => r.Descriptor.ServiceType == typeof(T) && !r.Descriptor.IsKeyedService))
        {
            try
            {
                var instance = descriptor.ImplementationInstance
                               ?? descriptor.ImplementationFactory?.Invoke(_services)
                               ?? ActivatorUtilities.CreateInstance(_services, descriptor.ImplementationType!);
                built.Add((T)instance);
            }
            catch (Exception e)
            {
                var inner = e is System.Reflection.TargetInvocationException { InnerException: { } ie } ? ie : e;
                var failure = new PluginFailure(plugin, descriptor.ImplementationType?.FullName ?? "?",
                    $"its {KindOf<T>()} {descriptor.ImplementationType?.Name} could not be constructed: {inner.GetType().Name}: {inner.Message}");
                _plugins.Failures.Add(failure);
                _consoles.Warn($"plugin '{plugin}' skipped: {failure.Reason}");
            }
        }
        _cache[typeof(T)] = built.Cast<IComponent>().ToList();
        return built;
    }
}
