using System.Reflection;
using System.Runtime.Loader;
using Google.Protobuf;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WasmGraph.Host.Plugins;
using WasmGraph.Onnx;

namespace WasmGraph.Host.Tests;

/// <summary>How the built plugins resolve the assemblies they share with the host.</summary>
public sealed class PluginLoadingTests
{
    /// <summary>
    /// The ONNX frontend carries WasmGraph.Onnx and Google.Protobuf in its own folder, yet runs on the host's copies
    /// (see plugins/Frontends.Onnx/Frontends.Onnx.csproj): one load, one version of the codec in the process.
    /// </summary>
    [Fact]
    public void TheOnnxFrontendRunsOnTheHostsOnnxCodec()
    {
        var frontendFolder = Path.Combine(TestPaths.PluginsDirectory, "Frontends.Onnx");
        Assert.True(File.Exists(Path.Combine(frontendFolder, "WasmGraph.Onnx.dll")), "the plugin folder is complete on its own");

        var report = PluginLoading.LoadAll(TestPaths.PluginsDirectory, new ServiceCollection(), new ConfigurationBuilder().Build());
        var frontend = report.Loaded.Single(p => p.Name == "Frontends.Onnx").Assembly;
        var context = AssemblyLoadContext.GetLoadContext(frontend)!;

        Assert.NotSame(AssemblyLoadContext.GetLoadContext(typeof(OnnxModelSummary).Assembly), context);
        Assert.Same(typeof(OnnxModelSummary).Assembly, context.LoadFromAssemblyName(new AssemblyName("WasmGraph.Onnx")));
        Assert.Same(typeof(IMessage).Assembly, context.LoadFromAssemblyName(new AssemblyName("Google.Protobuf")));
    }

    /// <summary>
    /// docs/plugins.md used to say that a plugin shipping its own WasmGraph.Abstractions.dll would implement a different
    /// IPass and be skipped. It is not so: Abstractions is among the shared types, and the plugin's load context takes
    /// every shared assembly from the host even when the plugin folder has a copy, so such a plugin loads and works.
    /// </summary>
    [Fact]
    public void APluginThatCarriesItsOwnAbstractionsStillUsesTheHostsContracts()
    {
        using var dir = TestPaths.NewTempDirectory();
        var folder = dir.File("Passes.Core");
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(Path.Combine(TestPaths.PluginsDirectory, "Passes.Core")))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }
        File.Copy(TestPaths.AbstractionsDll, Path.Combine(folder, "WasmGraph.Abstractions.dll"));

        var services = new ServiceCollection();
        var report = PluginLoading.LoadAll(dir.Path, services, new ConfigurationBuilder().Build());

        Assert.Empty(report.Failures);
        var plugin = report.Loaded.Single(p => p.Name == "Passes.Core").Assembly;
        var context = AssemblyLoadContext.GetLoadContext(plugin)!;
        Assert.Same(typeof(Abstractions.Plugins.IPass).Assembly, context.LoadFromAssemblyName(new AssemblyName("WasmGraph.Abstractions")));
        Assert.Contains(services, d => d.ServiceType == typeof(Abstractions.Plugins.IPass));
    }
}
