using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;

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
            case "Conv" or FusedOps.Conv:
                var w = graph.TypeOf(node.Inputs[1]).Shape;
                long perOutput = w.ElementCount / w[0]; // (C/group) · kernel taps
                return 2 * output.ElementCount * perOutput;
            case "ConvBlocked":
                var packed = graph.TypeOf(node.Inputs[1]).Shape; // [M/4, C, KH, KW, 4]
                return 2 * output.ElementCount * (packed.ElementCount / (packed[0] * packed[4]));
            case "Gemm" or FusedOps.Gemm:
                var a = graph.TypeOf(node.Inputs[0]).Shape;
                long k = node.Attributes.GetInt("transA", 0) != 0 ? a[0] : a[1];
                return 2 * output.ElementCount * k;
            case "MatMul" or FusedOps.MatMul:
                var left = graph.TypeOf(node.Inputs[0]).Shape;
                return 2 * output.ElementCount * left[left.Rank - 1];
            case QuantizedOps.Conv:
                // Integer multiply-adds, counted as two operations like float ones, so int8 and float GOP/s compare.
                var quantizedWeights = graph.TypeOf(node.Inputs[QuantizedOps.Input.W]).Shape;
                return 2 * output.ElementCount * (quantizedWeights.ElementCount / quantizedWeights[0]);
            case QuantizedOps.MatMul or QuantizedOps.MatMulToFloat:
                var rows = graph.TypeOf(node.Inputs[QuantizedOps.Input.X]).Shape;
                return 2 * output.ElementCount * rows[rows.Rank - 1];
            case "Reshape" or "Transpose" or "Concat" or "Split":
                return 0;
            case "DFT" or "STFT":
                // Direct transform: per output bin and input sample, a complex multiply-add (4 flops for real input).
                var signal = graph.TypeOf(node.Inputs[0]).Shape;
                long taps = node.Op == "STFT"
                    ? node.Attributes.GetInt("frame_length")
                    : Math.Min(signal[(int)node.Attributes.GetInt("axis")], node.Attributes.GetInt("dft_length"));
                return output.ElementCount / 2 * taps * (signal[signal.Rank - 1] == 2 ? 8 : 4);
            case "Det":
                // LU elimination: about 2/3·M³ per matrix.
                var matrix = graph.TypeOf(node.Inputs[0]).Shape;
                long m = matrix[matrix.Rank - 1];
                return output.ElementCount * 2 * m * m * m / 3;
            case "GridSample":
                long samples = node.Attributes.GetString("mode", "linear") switch { "nearest" => 1, "linear" => 4, _ => 16 };
                return 2 * output.ElementCount * samples;
            default:
                return output.ElementCount;
        }
    }
}
