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
}
