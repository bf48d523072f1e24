using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using In = WasmGraph.Abstractions.Ops.QuantizedOps.Input;

namespace WasmGraph.Passes.Core;

/// <summary>
/// fuse-qdq's rewrites for quantized layers whose output stays float (the form ONNX Runtime's quantizer and
/// <c>wasmgraph quantize --quantize-outputs consumed</c> write for transformers, where LayerNorm, GELU and the residual
/// Adds read the products in float):
/// <list type="bullet">
/// <item><c>DequantizeLinear(x_q) → MatMul (…, DequantizeLinear(w_q)) [→ Add bias]</c> and the same Gemm (bias as C)
/// with no QuantizeLinear after become QuantizedMatMulToFloat: the product runs on the 8-bit operands with an int32
/// accumulator and a float epilogue, acc·x_scale·w_scale + bias (ONNX Runtime's MatMulIntegerToFloat). x_q is what the
/// QuantizeLinear before the layer wrote, so that activation stays 8-bit in memory.</item>
/// <item><c>Gather(DequantizeLinear(table_q), indices)</c> with a constant table quantized per tensor, or per axis along
/// an axis the Gather does not index, becomes <c>DequantizeLinear(Gather(table_q, indices))</c>: exact (dequantization is
/// elementwise and the gathered rows keep their scale), and the table (MiniLM's 30522 × 384 word embeddings, half of its
/// weights) stays 8-bit in the module instead of being folded to float32.</item>
/// </list>
/// Requirements as for the integer form: x quantized per tensor with constant parameters, w a constant [K, N] matrix
/// quantized per tensor or per column (Gemm with transB: per row), the bias a constant (or the DequantizeLinear of
/// constants) with one value per column, Gemm with alpha = beta = 1 and no transA, and the MatMul's output read only by
/// the bias Add.
/// </summary>
public sealed partial class FuseQuantizedPass
{
    /// <summary>Fuses the float-output layer at <paramref name="product"/> (a MatMul or Gemm not claimed by the integer fusion).</summary>
    private static bool FuseFloatOutput(Graph graph, GraphRewriter rewriter, Node product, IBackendCapabilities capabilities)
    {
        if (rewriter.IsEdited(product)
            || product.Op == "Gemm" && (product.Attributes.GetInt("transA", 0) != 0 || product.Attributes.GetFloat("alpha", 1f) != 1f || product.Attributes.GetFloat("beta", 1f) != 1f))
        {
            return false;
        }
        bool transposed = product.Op == "Gemm" && product.Attributes.GetInt("transB", 0) != 0;
        if (Dequantized(graph, rewriter, product.Inputs[0], weights: false) is not { } x
            || Dequantized(graph, rewriter, product.Inputs[1], weights: true) is not { } w
            || graph.TypeOf(w.Inputs[0]).Shape.Rank != 2)
        {
            return false;
        }
        var wq = graph.Constants[w.Inputs[0]];
        long channels = transposed ? wq.Type.Shape[0] : wq.Type.Shape[1];
        bool perChannel = graph.Constants[w.Inputs[1]].Type.ElementCount > 1;
        if (perChannel && w.Attributes.GetInt("axis", 0) != (transposed ? 0 : 1))
        {
            return false;
        }

        var group = new List<Node> { product };
        string output = product.Outputs[0];
        float[]? bias = null;
        if (product.Op == "Gemm" && product.InputOrNull(2) is { Length: > 0 } c)
        {
            if ((bias = FloatBias(graph, rewriter, c, channels)) is null)
            {
                return false;
            }
        }
        else if (product.Op == "MatMul" && rewriter.HasSoleReader(output) && rewriter.ConsumersOf(output)[0] is { Op: "Add" } add
                 && !rewriter.IsEdited(add) && graph.TypeOf(add.Outputs[0]) == graph.TypeOf(output)
                 && FloatBias(graph, rewriter, add.Inputs[add.Inputs[0] == output ? 1 : 0], channels) is { } added)
        {
            bias = added;
            group.Add(add);
            output = add.Outputs[0];
        }

        string weights = transposed ? rewriter.AddConstant(w.Inputs[0] + "/transposed", Transposed(wq)) : w.Inputs[0];
        var weightZero = w.InputOrNull(2) is { Length: > 0 } wz ? wz : rewriter.AddConstant(w.Inputs[0] + "/zero", ConstantMath.FromLongs(wq.Type.ElementType, Shape.Scalar, [0]));
        var inputZero = x.InputOrNull(2) is { Length: > 0 } xz ? xz : rewriter.AddConstant(x.Inputs[0] + "/zero", ConstantMath.FromLongs(graph.TypeOf(x.Inputs[0]).ElementType, Shape.Scalar, [0]));
        var inputs = new string[In.WZero + 1];
        inputs[In.X] = x.Inputs[0];
        inputs[In.W] = weights;
        inputs[In.Bias] = bias is null ? "" : rewriter.AddConstant(product.Name + "/bias", TensorData.FromFloats(new Shape(channels), bias));
        inputs[In.XScale] = x.Inputs[1];
        inputs[In.XZero] = inputZero;
        inputs[In.WScale] = Flat(graph, rewriter, w.Inputs[1]);
        inputs[In.WZero] = Flat(graph, rewriter, weightZero);
        var fused = new Node(product.Name, QuantizedOps.MatMulToFloat, [.. inputs], [output], Attributes.Empty);
        // As in Fuse: the backend is asked on the graph's own values (the new constants are not in it yet).
        var probe = fused with { Inputs = [x.Inputs[0], w.Inputs[0], "", x.Inputs[1], inputZero, w.Inputs[1], weightZero] };
        if (graph.Types.ContainsKey(inputZero) && graph.Types.ContainsKey(weightZero) && !transposed && !capabilities.CanRun(probe, graph))
        {
            return false;
        }
        rewriter.ReplaceAll(group, fused);
        return true;
    }

    /// <summary>
    /// A bias of one value per column as floats: a float32 constant, or the DequantizeLinear of constants (an int32
    /// bias in units of x_scale·w_scale, as ONNX Runtime's quantizer writes Gemm's C) computed as its kernel computes it.
    /// Its shape must be [N] or [1, …, 1, N], so adding it never broadcasts the product to a larger shape.
    /// </summary>
    private static float[]? FloatBias(Graph graph, GraphRewriter rewriter, string value, long channels)
    {
        var type = graph.TypeOf(value);
        if (type.ElementType != DataType.Float32 || type.ElementCount != channels || type.Shape.Rank == 0 || type.Shape[type.Shape.Rank - 1] != channels)
        {
            return null;
        }
        if (graph.ConstantOrNull(value) is { } constant)
        {
            return constant.ToFloatArray();
        }
        return rewriter.ProducerOf(value) is { Op: "DequantizeLinear" } dq && dq.Inputs.All(i => i.Length == 0 || graph.IsConstant(i))
            ? Dequantize(graph, dq).ToFloatArray()
            : null;
    }

    /// <summary>
    /// Gather(DequantizeLinear(table_q), indices) → DequantizeLinear(Gather(table_q, indices)) where the table and its
    /// parameters are constants and the scale does not run along the gathered axis. The original DequantizeLinear is
    /// left to <see cref="FoldConstantDequantization"/>, which removes it once nothing reads it.
    /// </summary>
    private static Graph GatherQuantizedTables(Graph graph, out int count)
    {
        count = 0;
        var producers = graph.Producers();
        GraphBuilder? builder = null;
        var nodes = new List<Node>(graph.Nodes.Length);
        foreach (var node in graph.Nodes)
        {
            if (node.Op != "Gather" || producers.GetValueOrDefault(node.Inputs[0]) is not { Op: "DequantizeLinear" } dq
                || !dq.Inputs.All(i => i.Length == 0 || graph.IsConstant(i))
                || graph.TypeOf(dq.Inputs[0]).ElementType is not (DataType.UInt8 or DataType.Int8))
            {
                nodes.Add(node);
                continue;
            }
            var table = graph.TypeOf(dq.Inputs[0]).Shape;
            var gathered = graph.TypeOf(node.Outputs[0]).Shape;
            int indicesRank = graph.TypeOf(node.Inputs[1]).Shape.Rank;
            int axis = (int)Normalized(node.Attributes.GetInt("axis", 0), table.Rank);
            int scaleAxis = (int)Normalized(dq.Attributes.GetInt("axis", 1), table.Rank);
            bool perAxis = graph.TypeOf(dq.Inputs[1]).ElementCount > 1;
            if (perAxis && scaleAxis == axis || gathered.Rank == 0)
            {
                nodes.Add(node);
                continue;
            }
            builder ??= new GraphBuilder(graph);
            string rows = builder.FreshName(node.Outputs[0] + "/quantized");
            builder.SetType(rows, new TensorType(graph.TypeOf(dq.Inputs[0]).ElementType, gathered));
            // Gather's output is data[:axis] + indices + data[axis+1:]: an axis after the gathered one moves by indices' rank − 1.
            long gatheredScaleAxis = !perAxis ? 0 : scaleAxis < axis ? scaleAxis : scaleAxis + indicesRank - 1;
            nodes.Add(node with { Inputs = [dq.Inputs[0], node.Inputs[1]], Outputs = [rows] });
            nodes.Add(new Node(node.Name + "/dequantize", "DequantizeLinear", [rows, .. dq.Inputs.Skip(1)], node.Outputs,
                               Attributes.Empty.With("axis", gatheredScaleAxis)));
            count++;
        }
        if (builder is null)
        {
            return graph;
        }
        builder.Nodes.Clear();
        builder.Nodes.AddRange(nodes);
        return builder.Build();
    }

    private static long Normalized(long axis, int rank) => axis < 0 ? axis + rank : axis;

    /// <summary>Removes each DequantizeLinear that nothing reads any more (every reader was fused) and that is not a graph output.</summary>
    private static Graph RemoveUnreadDequantization(Graph graph)
    {
        var rewriter = new GraphRewriter(graph);
        foreach (var dq in graph.Nodes.Where(n => n.Op == "DequantizeLinear" && rewriter.ConsumersOf(n.Outputs[0]).IsEmpty && !rewriter.IsGraphOutput(n.Outputs[0])))
        {
            rewriter.Remove(dq);
        }
        return rewriter.Build();
    }
}
