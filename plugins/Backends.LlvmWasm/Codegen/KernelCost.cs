using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Backends.LlvmWasm.Codegen;

/// <summary>
/// Floating-point operations a node performs (a multiply-add counts as two), for the per-kernel GFLOP/s figures of
/// profiles and benchmarks. Data movement counts zero; other ops count one per output element.
/// </summary>
internal static class KernelCost
{
    public static long Flops(Node node, Graph graph)
    {
        var output = graph.TypeOf(node.Outputs[0]);
        switch (node.Op)
        {
            case "Conv":
                var w = graph.TypeOf(node.Inputs[1]).Shape;
                long perOutput = w.ElementCount / w[0]; // (C/group) · kernel taps
                return 2 * output.ElementCount * perOutput;
            case "Gemm":
                var a = graph.TypeOf(node.Inputs[0]).Shape;
                long k = node.Attributes.GetInt("transA", 0) != 0 ? a[0] : a[1];
                return 2 * output.ElementCount * k;
            case "MatMul":
                var left = graph.TypeOf(node.Inputs[0]).Shape;
                return 2 * output.ElementCount * left[left.Rank - 1];
            case "Reshape" or "Transpose" or "Concat" or "Split":
                return 0;
            default:
                return output.ElementCount;
        }
    }
}
