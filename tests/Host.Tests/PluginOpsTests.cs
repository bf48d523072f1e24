using Microsoft.Extensions.DependencyInjection;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Host.Plugins;

namespace WasmGraph.Host.Tests;

/// <summary>The host's op registry: the standard ops plus what plugins add, with a clash named by plugin.</summary>
public class PluginOpsTests
{
    private static OpDefinition Op(string name) => new(name, FusionKind.Opaque, c => [c.Input(0)], "test op");

    private static PluginReport Report(params (OpDefinition Op, string Plugin)[] added)
    {
        var report = new PluginReport(["plugins"]);
        foreach (var (op, plugin) in added)
        {
            var services = new ServiceCollection().AddOps(op);
            report.Registrations.Add((services.Single(), plugin));
        }
        return report;
    }

    [Fact]
    public void TheRegistryHoldsTheStandardOpsAndThePluginsOps()
    {
        var registry = PluginOps.Registry(Report((Op("Swish"), "OpPlugin")));

        Assert.True(registry.Contains("Swish"));
        Assert.True(registry.Contains("Conv"));
    }

    [Fact]
    public void AnOpThatRedefinesAStandardOneNamesThePlugin()
    {
        var error = Assert.Throws<WasmGraphException>(() => PluginOps.Registry(Report((Op("Relu"), "OpPlugin"))));
        Assert.Equal("op 'Relu' is defined by plugin 'OpPlugin' and by the standard op set; an op name can be defined only once", error.Message);
    }

    [Fact]
    public void TwoPluginsDefiningOneNameAreBothNamed()
    {
        var error = Assert.Throws<WasmGraphException>(() => PluginOps.Registry(Report((Op("Swish"), "First"), (Op("Swish"), "Second"))));
        Assert.Contains("plugin 'Second' and by plugin 'First'", error.Message);
    }
}
