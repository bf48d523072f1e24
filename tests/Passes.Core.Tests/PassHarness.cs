using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.TestSupport;

namespace WasmGraph.Passes.Core.Tests;

/// <summary>Runs one pass on a tiny graph and checks that it verifies and computes the same numbers as before.</summary>
internal static class PassHarness
{
    public static (Graph After, PassContext Context) Apply(IPass pass, Graph before, IBackendCapabilities? capabilities = null)
    {
        var context = new PassContext(OpRegistry.Default) { Capabilities = capabilities ?? new RegistryCapabilities(OpRegistry.Default) };
        var after = pass.Run(before, context);
        GraphVerifier.Verify(after, OpRegistry.Default, pass.Name);
        return (after, context);
    }

    /// <summary>Compiles both graphs to wasm and compares every output: max |after − before| ≤ 1e-5 × max |before|.</summary>
    public static void AssertEquivalent(Graph before, Graph after, IReadOnlyDictionary<string, TensorData> inputs)
    {
        var expected = WasmPipeline.CompileAndRun(before, inputs);
        var actual = WasmPipeline.CompileAndRun(after, inputs);
        foreach (var (name, value) in expected)
        {
            TensorAssert.Close(value, actual[name], 1e-5, $"output '{name}' after the pass");
        }
    }

    public static Dictionary<string, TensorData> RandomInputs(Graph graph, int seed = 1)
        => graph.Inputs.ToDictionary(i => i, i => TestTensors.Random(graph.TypeOf(i).Shape, seed++));
}

/// <summary>A backend that runs every registry op but the ones named: what a second, smaller backend looks like to a pass.</summary>
internal sealed class RefusingCapabilities(params string[] refused) : IBackendCapabilities
{
    public bool SupportsOp(string op) => OpRegistry.Default.Contains(op) && !refused.Contains(op);

    public bool CanRun(Node node, Graph graph) => SupportsOp(node.Op);
}
