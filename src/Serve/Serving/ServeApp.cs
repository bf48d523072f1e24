using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;
using WasmGraph.Abstractions;
using WasmGraph.Host.Hosting;

namespace WasmGraph.Serve.Serving;

/// <summary>
/// The web application: Kestrel with the serving limits of <see cref="ServeOptions"/>, the protocol endpoints, and
/// <c>/metrics</c>. Logging follows the standard <c>Logging</c> section of the same configuration (for example
/// <c>Logging:Console:FormatterName</c> = <c>json</c> for one JSON object per line, as log collectors want); the
/// default is one plain line per event on standard output. Stopping is left to the caller
/// (<see cref="CommandLifetime"/>): the <c>serve</c> command turns SIGTERM into <see cref="StopAsync"/>.
/// </summary>
public sealed class ServeApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ServerState _state;

    private ServeApp(WebApplication app, ServerState state)
    {
        _app = app;
        _state = state;
    }

    public ILoggerFactory LoggerFactory => _app.Services.GetRequiredService<ILoggerFactory>();

    /// <summary>The addresses Kestrel listens on (with the real port when <see cref="ServeOptions.Port"/> was 0).</summary>
    public IReadOnlyCollection<string> Addresses
        => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    /// <summary>
    /// Configures the web host; <paramref name="models"/> maps each served name to its pool, and
    /// <paramref name="loggerFactory"/> (<see cref="ServeLogging.Create"/>) is shared with them.
    /// </summary>
    public static ServeApp Create(ServeOptions options, IConfiguration configuration, ILoggerFactory loggerFactory,
                                  IReadOnlyDictionary<string, ModelPool> models, ServeMetrics metrics)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        builder.Services.Replace(ServiceDescriptor.Singleton(loggerFactory));
        builder.Services.Replace(ServiceDescriptor.Singleton<IHostLifetime, CommandLifetime>());
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(options.ShutdownTimeoutSeconds));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = (long)options.MaxRequestBodyMb << 20;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(options.RequestHeadersTimeoutSeconds);
            kestrel.Limits.MinRequestBodyDataRate = options.MinRequestBodyBytesPerSecond == 0
                ? null
                : new MinDataRate(options.MinRequestBodyBytesPerSecond, TimeSpan.FromSeconds(5));
            kestrel.Listen(Endpoint(options), o => o.Protocols = HttpProtocols.Http1);
        });

        var state = new ServerState();
        var endpoints = new InferenceEndpoints(models, metrics, state, loggerFactory.CreateLogger("WasmGraph.Serve"));
        var app = builder.Build();
        endpoints.Map(app);
        app.MapMetrics("/metrics");
        app.MapFallback((HttpContext context) => InferenceEndpoints.Error(StatusCodes.Status404NotFound,
            $"no endpoint {context.Request.Method} {Shorten(context.Request.Path)}; see /v2 and /v2/models/{{name}}"));
        return new ServeApp(app, state);
    }

    public async Task StartAsync(CancellationToken cancellation)
    {
        await _app.StartAsync(cancellation).ConfigureAwait(false);
        _state.MarkReady();
    }

    /// <summary>Stops taking requests (readiness and new infers answer 503), lets those in flight finish, then stops Kestrel.</summary>
    public async Task StopAsync(CancellationToken cancellation)
    {
        _state.MarkStopping();
        await _app.StopAsync(cancellation).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private static IPEndPoint Endpoint(ServeOptions options)
    {
        if (options.Host == "localhost")
        {
            return new IPEndPoint(IPAddress.Loopback, options.Port);
        }
        return IPAddress.TryParse(options.Host, out var address)
            ? new IPEndPoint(address, options.Port)
            : throw new WasmGraphException($"Serve:Host must be an IP address (127.0.0.1, 0.0.0.0, ::) or localhost, not '{options.Host}'");
    }

    private static string Shorten(string? text) => text is null || text.Length <= 100 ? text ?? "" : text[..100] + "…";
}
