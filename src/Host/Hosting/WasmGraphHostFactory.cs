using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Host.Configuration;
using WasmGraph.Host.IO;
using WasmGraph.Host.Pipeline;
using WasmGraph.Host.Plugins;

namespace WasmGraph.Host.Hosting;

/// <summary>
/// Builds the generic host a command runs in. Config layers, lowest first: appsettings.json beside the host,
/// <c>--config</c>, <c>WASMGRAPH_</c> environment variables (<c>WASMGRAPH_Pipeline__Backend__OptLevel=0</c>), command-line
/// flags. Plugins are loaded from the resolved directories (<see cref="PluginDirectories"/>) and register into the same container. The host is built per
/// command because flags such as <c>--config</c> and <c>--plugins</c> decide what goes into it.
/// </summary>
public sealed class WasmGraphHostFactory
{
    private readonly HostConsoles _consoles;

    public WasmGraphHostFactory(HostConsoles consoles) => _consoles = consoles;

    /// <summary>Builds and starts the host; start-up validates the options (exit 2 through <see cref="OptionsValidationException"/>).</summary>
    public async Task<IHost> StartAsync(HostSettings settings, CancellationToken cancellation = default)
    {
        var host = Build(settings);
        try
        {
            await host.StartAsync(cancellation).ConfigureAwait(false);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    public IHost Build(HostSettings settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ApplicationName = "WasmGraph",
            ContentRootPath = settings.HomeDirectory,
        });
        AddConfiguration(builder.Configuration, settings);

        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(settings.Verbose ? LogLevel.Debug : LogLevel.Warning);
        // The host logs start-up failures with a stack trace; ErrorReporter already says the same thing in one line.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.None);
        // The console lifetime would swallow Ctrl-C; Interrupts turns it into cancellation of the command instead.
        builder.Services.Replace(ServiceDescriptor.Singleton<IHostLifetime, CommandLifetime>());

        var directories = PluginDirectories.Resolve(settings.PluginsDirectory, builder.Configuration, settings.HomeDirectory);
        var report = PluginLoading.LoadAll(directories, builder.Services, builder.Configuration);
        foreach (var failure in report.Failures)
        {
            _consoles.Warn($"plugin '{failure.Name}' skipped: {failure.Reason}");
        }
        foreach (var directory in directories)
        {
            if (File.Exists(directory))
            {
                _consoles.Warn($"plugins directory '{directory}' is not a directory (it is a file); no components come from it");
            }
            else if (!Directory.Exists(directory))
            {
                _consoles.Warn($"plugins directory '{directory}' does not exist; no components come from it");
            }
        }

        var services = builder.Services;
        services.AddSingleton(report);
        services.AddSingleton(_consoles);
        // The standard ops plus those plugins added (services.AddOps); every stage gets this one registry.
        services.TryAddSingleton(_ => PluginOps.Registry(report));
        services.AddSingleton<ComponentCatalog>();
        services.AddSingleton<CompilePipeline>();
        services.AddOptions<PluginOptions>().Bind(builder.Configuration.GetSection(PluginOptions.Section));
        services.AddOptions<PipelineOptions>()
            // Before binding: the binder ignores misspelled keys and throws an internal error on a mistyped value.
            .Configure<ComponentCatalog>((_, catalog) => PipelineConfigurationCheck.ThrowIfInvalid(builder.Configuration, catalog, settings.Needs))
            .Bind(builder.Configuration.GetSection(PipelineOptions.Section))
            .PostConfigure(o => o.Passes = settings.Passes?.ToList() ?? PassListResolver.Resolve(builder.Configuration) ?? o.Passes)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PipelineOptions>>(
            sp => new PipelineOptionsValidator(sp.GetRequiredService<ComponentCatalog>(), settings.Needs));
        return builder.Build();
    }

    private static void AddConfiguration(ConfigurationManager configuration, HostSettings settings)
    {
        configuration.AddJsonFile(Path.Combine(settings.HomeDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        if (settings.ConfigFile is { } file)
        {
            var full = Path.GetFullPath(file);
            InputFile.Require(full, "config file", InputFile.ConfigMaxBytes); // a regular file: /dev/zero or a FIFO would hang here
            try
            {
                configuration.AddJsonFile(full, optional: false, reloadOnChange: false);
            }
            catch (InvalidDataException e)
            {
                throw new WasmGraphException($"config file {full} is not valid JSON: {e.InnerException?.Message ?? e.Message}", e);
            }
        }
        configuration.AddEnvironmentVariables("WASMGRAPH_");
        configuration.AddInMemoryCollection(settings.Overrides);
    }
}
