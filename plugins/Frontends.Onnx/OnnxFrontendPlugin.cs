using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Frontends.Onnx;

/// <summary>Plugin entry point: registers the ONNX frontend with the host.</summary>
public sealed class OnnxFrontendPlugin : IPluginFactory
{
    public void Configure(IServiceCollection services, IConfiguration configuration)
        => services.AddSingleton<IFrontend, OnnxFrontend>();
}
