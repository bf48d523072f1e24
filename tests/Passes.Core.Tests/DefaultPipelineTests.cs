using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.TestSupport;
using static WasmGraph.Passes.Core.Tests.PassHarness;

namespace WasmGraph.Passes.Core.Tests;

/// <summary>The pipeline users get (src/Host/appsettings.json) keeps the declared pass order and verifies after every pass.</summary>
public class DefaultPipelineTests
{
    private static readonly IReadOnlyList<IPass> CorePasses = LoadCorePasses();

    private static IReadOnlyList<IPass> LoadCorePasses()
    {
        var services = new ServiceCollection();
        new CorePassesPlugin().Configure(services, new ConfigurationBuilder().Build());
        return services.Where(s => s.ServiceType == typeof(IPass))
                       .Select(s => (IPass)Activator.CreateInstance(s.ImplementationType!)!).ToList();
    }

    private static IReadOnlyList<string> DefaultPipeline()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestFiles.RepoRoot, "src", "Host", "appsettings.json")));
        return json.RootElement.GetProperty("Pipeline").GetProperty("Passes").EnumerateArray().Select(p => p.GetString()!).ToList();
    }

    private static IPass Pass(string name) => CorePasses.Single(p => p.Name == name);

    [Fact]
    public void TheDefaultPipelineKeepsTheOrderItsPassesDeclare()
    {
        var pipeline = DefaultPipeline();
        Assert.Contains("fuse-activation", pipeline);
        Assert.Empty(PassOrder.Check(pipeline, name => CorePasses.FirstOrDefault(p => p.Name == name)));
    }

    [Fact]
    public void EveryCorePassDeclaresOnlyPassesThatExist()
    {
        var names = CorePasses.Select(p => p.Name).ToHashSet();
        foreach (var pass in CorePasses)
        {
            Assert.All(pass.Requires.Concat(pass.RunsAfter), other => Assert.Contains(other, names));
        }
    }

    [Fact]
    public void FusingBeforeFoldingBatchNormIsRefused()
    {
        var problems = PassOrder.Check(["fuse-activation", "fold-batchnorm"], name => CorePasses.FirstOrDefault(p => p.Name == name));
        Assert.Contains(problems, p => p.Contains("'fuse-activation' must run after 'fold-batchnorm'"));
    }

    /// <summary>Conv → BatchNorm → Add(shortcut) → Relu, then GELU-like elementwise ops: every fusion has work to do.</summary>
    private static Graph ResidualBlock()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 4, 6, 6)
            .Initializer("w", TestTensors.Random([4, 4, 3, 3], seed: 2))
            .Initializer("gamma", TestTensors.Random([4], seed: 3)).Initializer("beta", TestTensors.Random([4], seed: 4))
            .Initializer("mean", TestTensors.Random([4], seed: 5)).Initializer("var", TensorData.FromFloats(new Shape(4), [1, 2, 3, 4]))
            .Initializer("half", TensorData.FromFloats(Shape.Scalar, [0.5f]))
            .Node("Conv", ["x", "w"], ["c"], OnnxAttr.Ints("pads", 1, 1, 1, 1))
            .Node("BatchNormalization", ["c", "gamma", "beta", "mean", "var"], ["n"])
            .Node("Add", ["n", "x"], ["s"])
            .Node("Relu", ["s"], ["r"])
            .Node("Mul", ["r", "half"], ["m"])
            .Node("Tanh", ["m"], ["t"])
            .Node("Mul", ["t", "r"], ["y"])
            .Output("y", DataType.Float32);
        return WasmPipeline.Import(model.ToBytes());
    }

    [Fact]
    public void TheDefaultPipelineVerifiesAfterEveryPassAndKeepsTheNumbers()
    {
        var before = ResidualBlock();
        var after = before;
        foreach (var name in DefaultPipeline())
        {
            after = Apply(Pass(name), after).After; // Apply verifies, as --verify-each does
        }

        Assert.Equal([FusedOps.Conv, FusedOps.Elementwise], after.Nodes.Select(n => n.Op));
        Assert.Equal("Relu", after.Nodes[0].Attributes.GetString(FusedOps.Activation, ""));
        AssertEquivalent(before, after, RandomInputs(before));
    }
}
