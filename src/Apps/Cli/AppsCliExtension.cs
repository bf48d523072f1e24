using Microsoft.Extensions.DependencyInjection;
using Spectre.Console.Cli;
using WasmGraph.Apps.Demo;
using WasmGraph.Apps.Reference;
using WasmGraph.Host.Cli;

namespace WasmGraph.Apps.Cli;

/// <summary>
/// The apps' part of the <c>wasmgraph</c> command line: the demo (the main user path), the conformance runner, the model
/// zoo, and ONNX Runtime as the oracle of <c>run --reference</c>. They live outside the core Host because they bring
/// ONNX Runtime and the tokenizers with them, which neither plugins nor the core verbs need.
/// </summary>
public sealed class AppsCliExtension : ICliExtension
{
    public void AddServices(IServiceCollection services)
        => services.AddSingleton<IReferenceRunner, OnnxRuntimeReference>();

    public void AddVerbs(IConfigurator config, CommandLineCheck verbs)
    {
        verbs.Add<DemoCommand>(config, "demo")
            .WithDescription("The main job: compile the bundled real models, run them on bundled photos, compare with ONNX Runtime")
            .WithExample("demo")
            .WithExample("demo", "--only", "face-detection", "--repeat", "10")
            .WithExample("demo", "--image", "my-photo.jpg", "--report", "out/demo.json");
        verbs.Add<ConformanceCommand>(config, "conformance")
            .WithDescription("Run the ONNX backend test suite through the pipeline and write docs/conformance.md")
            .WithExample("conformance")
            .WithExample("conformance", "--filter", "reduce");
        verbs.Add<Quantize.QuantizeCommand>(config, "quantize").WithDescription("Static int8 quantization to a QDQ ONNX model that ONNX Runtime and compile both take, calibrated on your photos, .npy tensors or sentences").WithExample("quantize", "model.onnx", "-o", "model.int8.onnx", "--calibrate", "photos/");
        verbs.Add<ZooCommand>(config, "zoo").WithDescription("Write a standard topology (resnet50, mobilenetv2, squeezenet1.1, lenet5) with seeded weights as ONNX").WithExample("zoo", "resnet50", "-o", "resnet50.onnx");
    }
}

/// <summary>The whole command line, core and apps: what the executable runs and what in-process tests call.</summary>
public static class WasmGraphApps
{
    public static IReadOnlyList<ICliExtension> Extensions { get; } = [new AppsCliExtension()];

    public static Task<int> RunAsync(string[] args, Host.Hosting.HostConsoles? consoles = null, CancellationToken cancellation = default)
        => WasmGraphCli.RunAsync(args, consoles, Extensions, cancellation);
}
