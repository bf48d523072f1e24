using System.Reflection;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Host.Plugins;

/// <summary>
/// Loads each plugin into its own load context, sharing the contract types with the host (otherwise the plugin's
/// <c>IPass</c> would be a different type from ours), checks it was built against our contracts' major version, and lets
/// its factories register components. A plugin that fails at any step is reported by name and skipped; a broken
/// third-party plugin must never take the compiler down.
/// </summary>
public static class PluginLoading
{
    private const string AbstractionsName = "WasmGraph.Abstractions";

    /// <summary>Types whose assemblies the plugins must share with the host.</summary>
    private static readonly Type[] SharedTypes =
    [
        typeof(IPluginFactory), typeof(Graph), typeof(IServiceCollection), typeof(ServiceCollection),
        typeof(IConfiguration), typeof(ConfigurationBuilder), typeof(ILogger), typeof(ILoggerFactory), typeof(IOptions<>),
    ];

    public static PluginReport LoadAll(string directory, IServiceCollection services, IConfiguration configuration)
        => LoadAll([directory], services, configuration);

    /// <summary>Loads the plugins of every directory (<see cref="PluginDirectories"/>); a later folder of the same name wins.</summary>
    public static PluginReport LoadAll(IReadOnlyList<string> directories, IServiceCollection services, IConfiguration configuration)
    {
        var report = new PluginReport(directories);
        foreach (var candidate in PluginDiscovery.Find(directories, report.Failures))
        {
            LoadOne(candidate, services, configuration, report);
        }
        return report;
    }

    private static void LoadOne(PluginCandidate candidate, IServiceCollection services, IConfiguration configuration, PluginReport report)
    {
        void Fail(string reason) => report.Failures.Add(new PluginFailure(candidate.Name, candidate.AssemblyPath, reason));

        Assembly assembly;
        Type[] factoryTypes;
        try
        {
            var loader = PluginLoader.CreateFromAssemblyFile(candidate.AssemblyPath, SharedTypes, c => c.PreferSharedTypes = true);
            assembly = loader.LoadDefaultAssembly();
            if (VersionProblem(assembly) is { } problem)
            {
                Fail(problem);
                return;
            }
            factoryTypes = assembly.GetTypes()
                .Where(t => typeof(IPluginFactory).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
                .ToArray();
        }
        catch (ReflectionTypeLoadException e)
        {
            Fail("its types could not be loaded: " + string.Join("; ", e.LoaderExceptions.Select(x => x?.Message).Distinct()));
            return;
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException or IOException)
        {
            Fail($"the assembly could not be loaded: {e.Message}");
            return;
        }
        if (factoryTypes.Length == 0)
        {
            Fail($"{Path.GetFileName(candidate.AssemblyPath)} has no public non-abstract {nameof(IPluginFactory)} type");
            return;
        }

        var configured = new List<string>();
        foreach (var type in factoryTypes)
        {
            // Register into a scratch collection first, so a factory that throws halfway leaves nothing behind.
            var scratch = new ServiceCollection();
            try
            {
                var factory = (IPluginFactory)Activator.CreateInstance(type)!;
                factory.Configure(scratch, configuration);
            }
            catch (Exception e)
            {
                var inner = e is TargetInvocationException { InnerException: { } ie } ? ie : e;
                Fail($"{type.FullName} threw {inner.GetType().Name}: {inner.Message}");
                continue;
            }
            foreach (var descriptor in scratch)
            {
                services.Add(descriptor);
                report.Registrations.Add((descriptor, candidate.Name));
            }
            configured.Add(type.FullName ?? type.Name);
        }
        if (configured.Count > 0)
        {
            var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
                          ?? assembly.GetName().Version?.ToString() ?? "?";
            report.Loaded.Add(new LoadedPlugin(candidate.Name, candidate.AssemblyPath, assembly, version, configured));
        }
    }

    /// <summary>Explains why a plugin's contracts do not match the host's, or null when they do.</summary>
    internal static string? VersionProblem(Assembly plugin)
    {
        var reference = plugin.GetReferencedAssemblies().FirstOrDefault(a => a.Name == AbstractionsName);
        if (reference is null)
        {
            return $"it does not reference {AbstractionsName}, so it cannot implement the plugin contracts";
        }
        var ours = typeof(IPluginFactory).Assembly.GetName().Version ?? new Version(AbstractionsVersion.Major, 0);
        var theirs = reference.Version ?? new Version(0, 0);
        if (theirs.Major != ours.Major)
        {
            return $"it was built against {AbstractionsName} {theirs}, but this host has {ours} " +
                   $"(contracts major version {AbstractionsVersion.Major}); major versions must match. " +
                   "Rebuild the plugin against the host's WasmGraph.Abstractions.dll.";
        }
        return null;
    }
}
