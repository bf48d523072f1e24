using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Spectre.Console;
using Spectre.Console.Cli;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.Configuration;
using WasmGraph.Host.Hosting;
using WasmGraph.Host.IO;
using WasmGraph.Host.Plugins;
using WasmGraph.Serve.Serving;

namespace WasmGraph.Serve.Cli;

/// <summary>
/// <c>serve MODULE.wasm…</c>: loads each module into a pool of instances through the configured runtime, then answers
/// the Open Inference Protocol on Kestrel until SIGTERM or Ctrl-C, which stop it gracefully: readiness turns 503, no new
/// connection is accepted, requests in flight finish (up to <c>Serve:ShutdownTimeoutSeconds</c>), and the process
/// exits 0. Every module and setting is checked before the port is opened: a bad one is exit 2 naming it.
/// </summary>
public sealed partial class ServeCommand(WasmGraphHostFactory hosts, HostConsoles consoles) : AsyncCommand<ServeSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ServeSettings settings, CancellationToken cancellation)
    {
        var modules = ReadModules(settings.Modules);
        using var host = await hosts.StartAsync(settings.ToHostSettings(PipelineStages.Run) with { Overrides = settings.Overrides() }, cancellation)
            .ConfigureAwait(false);
        var configuration = host.Services.GetRequiredService<IConfiguration>();
        var options = ServeOptions.From(configuration);
        var pipeline = host.Services.GetRequiredService<IOptions<PipelineOptions>>().Value;
        var runtime = host.Services.GetRequiredService<ComponentCatalog>().Require<IRuntime>(pipeline.Runtime.Name, "Pipeline:Runtime:Name");
        var runtimeOptions = new RuntimeOptions
        {
            CacheDirectory = pipeline.Runtime.ResolvedCacheDirectory(),
            CacheMaxBytes = pipeline.Runtime.ResolvedCacheMaxBytes(),
            Timeout = options.RequestTimeout,
        };

        using var loggerFactory = ServeLogging.Create(configuration);
        var logger = loggerFactory.CreateLogger("WasmGraph.Serve");
        var metrics = new ServeMetrics();
        var pools = new Dictionary<string, ModelPool>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, path, bytes) in modules)
            {
                cancellation.ThrowIfCancellationRequested();
                var clock = Stopwatch.StartNew();
                pools[name] = ModelPool.Create(name, options.ResolvedInstances, options.ResolvedQueueLength, () => Load(runtime, bytes, path, runtimeOptions), metrics, logger);
                ServeLog.ModelLoaded(logger, name, path, options.ResolvedInstances, options.ResolvedQueueLength, clock.Elapsed.TotalMilliseconds);
            }
            // Each instance runs its request synchronously on a pool thread: keep enough threads for them and for Kestrel's I/O.
            ThreadPool.GetMinThreads(out int workers, out int io);
            ThreadPool.SetMinThreads(Math.Max(workers, pools.Values.Sum(p => p.Instances) + 2 * Environment.ProcessorCount), io);

            await using var app = ServeApp.Create(options, configuration, loggerFactory, pools, metrics);
            await app.StartAsync(cancellation).ConfigureAwait(false);
            foreach (var address in app.Addresses)
            {
                consoles.Out.MarkupLine($"serving {Markup.Escape(string.Join(", ", pools.Keys))} on [bold]{Markup.Escape(address)}[/]");
            }
            try
            {
                await Task.Delay(Timeout.Infinite, cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            ServeLog.Stopping(logger, options.ShutdownTimeoutSeconds);
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(options.ShutdownTimeoutSeconds));
            await app.StopAsync(deadline.Token).ConfigureAwait(false);
            ServeLog.Stopped(logger);
            return 0;
        }
        finally
        {
            foreach (var pool in pools.Values)
            {
                pool.Dispose();
            }
        }
    }

    /// <summary>Reads every module and its metadata before anything starts, so a missing or hostile file is exit 2 naming it.</summary>
    private static List<(string Name, string Path, byte[] Bytes)> ReadModules(IEnumerable<string> specs)
    {
        var modules = new List<(string Name, string Path, byte[] Bytes)>();
        foreach (var spec in specs)
        {
            int equals = spec.IndexOf('=', StringComparison.Ordinal);
            string path = equals > 0 ? spec[(equals + 1)..] : spec;
            string name = equals > 0 ? spec[..equals] : System.IO.Path.GetFileNameWithoutExtension(path);
            if (!ModelName().IsMatch(name))
            {
                throw new WasmGraphException($"'{name}' (from {spec}) cannot be a model name: use 1–64 letters, digits, '.', '_' or '-' (NAME=FILE.wasm)");
            }
            if (modules.Any(m => m.Name == name))
            {
                throw new WasmGraphException($"two modules are served as '{name}'; name one of them with NAME=FILE.wasm");
            }
            var bytes = InputFile.ReadAllBytes(path, "module file", InputFile.ModuleMaxBytes);
            WasmModuleReader.ReadMetadataForRun(bytes, path, null);
            modules.Add((name, path, bytes));
        }
        return modules;
    }

    private static IModelSession Load(IRuntime runtime, byte[] bytes, string path, RuntimeOptions options)
    {
        try
        {
            return runtime.Load(bytes, options);
        }
        catch (WasmGraphException e)
        {
            throw new WasmGraphException($"{path}: {e.Message}", e);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex ModelName();
}
