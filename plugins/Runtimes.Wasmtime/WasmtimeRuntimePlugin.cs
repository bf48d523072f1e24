using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Runtimes.Wasmtime;

/// <summary>
/// Plugin entry point: registers <see cref="WasmtimeRuntime"/> as an <see cref="IRuntime"/>. A singleton, because its
/// engines (and the ticker thread behind time limits) are meant to be shared by every session in the process; the
/// container disposes it at shutdown.
/// </summary>
public sealed class WasmtimeRuntimePlugin : IPluginFactory
{
    public void Configure(IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton<WasmtimeRuntime>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRuntime, WasmtimeRuntime>(sp => sp.GetRequiredService<WasmtimeRuntime>()));
    }
}
