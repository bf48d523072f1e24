using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Frontends.Onnx.Tests;

public class MetadataTests
{
    private static OnnxModelBuilder Tiny() => new OnnxModelBuilder().Opset(12)
        .Input("x", DataType.Float32, 2)
        .Node("Relu", ["x"], ["y"])
        .Output("y", DataType.Float32);

    [Fact]
    public void ItRecordsProducerOpsetSourceAndDoc()
    {
        var graph = Import.Load(Tiny().Producer("pytorch", "2.1").Doc("a test model").Name("tiny"));

        Assert.Equal("tiny", graph.Name);
        Assert.Equal("pytorch 2.1", graph.Metadata["producer"]);
        Assert.Equal("12", graph.Metadata["opset"]);
        Assert.Equal(Import.File, graph.Metadata["source"]);
        Assert.Equal("a test model", graph.Metadata["doc"]);
    }

    [Fact]
    public void ItTrimsAMissingProducerVersionAndOmitsAMissingDoc()
    {
        var graph = Import.Load(Tiny().Producer("exporter", ""));

        Assert.Equal("exporter", graph.Metadata["producer"]);
        Assert.False(graph.Metadata.ContainsKey("doc"));
    }

    [Fact]
    public void ItNamesTheGraphAfterTheFileWhenTheModelDoesNot()
        => Assert.Equal("test", Import.Load(Tiny().Name("")).Name);

    [Fact]
    public void ItKeepsOnnxNodeNamesAndNamesUnnamedNodesByOpAndIndex()
    {
        var graph = Import.Load(Tiny().NamedNode("act2", "Sigmoid", ["y"], ["z"]).Output("z", DataType.Float32));

        Assert.Equal(["Relu_0", "act2"], graph.Nodes.Select(n => n.Name));
    }

    [Theory]
    [InlineData("model.onnx", true)]
    [InlineData("MODEL.ONNX", true)]
    [InlineData("model.tflite", false)]
    [InlineData("onnx", false)]
    public void ItLoadsOnlyOnnxFiles(string path, bool expected)
        => Assert.Equal(expected, new OnnxFrontend().CanLoad(path));

    [Fact]
    public void ItsPluginRegistersTheFrontend()
    {
        var services = new ServiceCollection();

        new OnnxFrontendPlugin().Configure(services, new ConfigurationBuilder().Build());

        var registration = Assert.Single(services, d => d.ServiceType == typeof(IFrontend));
        Assert.Equal(typeof(OnnxFrontend), registration.ImplementationType);
        Assert.Equal(ServiceLifetime.Singleton, registration.Lifetime);
    }
}
