using System.Collections.Immutable;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Frontends.Onnx.Tests;

/// <summary>Runs the ONNX frontend on a model built in test code, the way the host does (a stream and options).</summary>
internal static class Import
{
    public const string File = "test.onnx";

    public static Graph Load(OnnxModelBuilder model, params (string Name, long[] Dims)[] pins) => Load(model.ToBytes(), pins);

    public static Graph Load(byte[] bytes, params (string Name, long[] Dims)[] pins)
    {
        var options = new FrontendOptions
        {
            SourceName = File,
            InputShapes = pins.ToImmutableDictionary(p => p.Name, p => p.Dims.ToImmutableArray()),
        };
        using var stream = new MemoryStream(bytes);
        return new OnnxFrontend().Load(stream, options);
    }

    /// <summary>The only node of the graph with op <paramref name="op"/>.</summary>
    public static Node Single(this Graph graph, string op) => Assert.Single(graph.Nodes, n => n.Op == op);

    public static long[] Ints(this Node node, string attribute) => node.Attributes.GetInts(attribute).ToArray();

    public static long[] Dims(this Graph graph, string value) => graph.TypeOf(value).Shape.Dims.ToArray();

    public static IEnumerable<string> Ops(this Graph graph) => graph.Nodes.Select(n => n.Op);
}
