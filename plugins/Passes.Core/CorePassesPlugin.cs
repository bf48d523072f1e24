using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Passes.Core;

/// <summary>Registers the core graph passes.</summary>
public sealed class CorePassesPlugin : IPluginFactory
{
    public void Configure(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IPass, FuseQuantizedPass>();
        services.AddSingleton<IPass, FoldConstantsPass>();
        services.AddSingleton<IPass, FoldBatchNormPass>();
        services.AddSingleton<IPass, FuseResidualAddPass>();
        services.AddSingleton<IPass, FuseActivationPass>();
        services.AddSingleton<IPass, FuseElementwisePass>();
        services.AddSingleton<IPass, ConvertConvLayoutPass>();
        services.AddSingleton<IPass, EliminateDeadCodePass>();
        services.AddSingleton<IPass, EliminateCommonSubexpressionsPass>();
        services.AddSingleton<IPass, PlanMemoryPass>();
    }
}
