using Microsoft.Extensions.DependencyInjection;
using Spectre.Console.Cli;
using WasmGraph.Host.Cli;

namespace WasmGraph.Serve.Cli;

/// <summary>Adds <c>serve</c> to the core CLI. It lives outside the core host because it brings ASP.NET Core and prometheus-net.</summary>
public sealed class ServeCliExtension : ICliExtension
{
    public void AddServices(IServiceCollection services)
    {
    }

    public void AddVerbs(IConfigurator config, CommandLineCheck verbs)
        => verbs.Add<ServeCommand>(config, "serve")
            .WithDescription("Serve modules over the Open Inference Protocol (KServe v2 REST): health, metadata, infer, /metrics")
            .WithExample("serve", "resnet18.wasm", "--port", "8080")
            .WithExample("serve", "resnet18.wasm", "minilm=out/minilm.wasm", "--instances", "2", "--queue", "8", "--timeout", "10");
}
