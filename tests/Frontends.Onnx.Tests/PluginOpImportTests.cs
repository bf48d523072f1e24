using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Frontends.Onnx.Tests;

/// <summary>
/// Ops a plugin adds to the registry reach the frontend through <see cref="FrontendOptions.Registry"/>: their
/// <see cref="OpDefinition.Imports"/> read a custom domain's node, with its attributes in IR form.
/// </summary>
public class PluginOpImportTests
{
    private static readonly OpDefinition Tagged = new("Tagged", FusionKind.Opaque, c => [c.Input(0)], "identity with attributes")
    {
        Imports = [new OpImport("com.example", "Tagged", node => [node.As("Tagged", node.Attributes.With("version", node.DomainVersion))])],
    };

    private static byte[] Model() => new OnnxModelBuilder().Opset(13).Opset("com.example", 3)
        .Input("x", DataType.Float32, 2, 3)
        .DomainNode("com.example", "t", "Tagged", ["x"], ["y"],
                    OnnxAttr.Float("scale", 2f), OnnxAttr.Ints("axes", 0, 1), OnnxAttr.String("mode", "fast"))
        .Output("y", DataType.Float32)
        .ToBytes();

    private static Graph Load(OpRegistry registry)
    {
        using var stream = new MemoryStream(Model());
        return new OnnxFrontend().Load(stream, new FrontendOptions { SourceName = Import.File, Registry = registry });
    }

    [Fact]
    public void ARegistryOpImportsItsDomainsNodeWithItsAttributes()
    {
        var graph = Load(OpRegistry.Default.With(Tagged));

        var node = graph.Single("Tagged");
        Assert.Equal(["x"], node.Inputs.ToArray());
        Assert.Equal(2f, node.Attributes.GetFloat("scale"));
        Assert.Equal([0L, 1L], node.Ints("axes"));
        Assert.Equal("fast", node.Attributes.GetString("mode", ""));
        Assert.Equal(3, node.Attributes.GetInt("version"));
        Assert.Equal([2L, 3L], graph.Dims(node.Outputs[0]));
    }

    [Fact]
    public void WithoutTheOpInTheRegistryTheNodeIsUnsupported()
    {
        var error = Assert.Throws<UnsupportedOpException>(() => Load(OpRegistry.Default));
        Assert.Contains("com.example.Tagged", error.Message);
    }
}
