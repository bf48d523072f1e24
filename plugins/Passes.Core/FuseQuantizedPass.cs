using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using In = WasmGraph.Abstractions.Ops.QuantizedOps.Input;

namespace WasmGraph.Passes.Core;

/// <summary>
/// fuse-qdq: rewrites the QDQ form of a quantized layer into one integer op (docs/ir.md, "Quantized ops"):
/// <c>DequantizeLinear(x_q) → Conv | MatMul [→ Add bias] | Gemm (…, DequantizeLinear(w_q), bias) [→ Relu | Clip] →
/// QuantizeLinear</c> becomes QuantizedConv or QuantizedMatMul on x_q and w_q with the output's scale and zero point,
/// the bias converted to int32 in units of x_scale·w_scale, and the activation turned into the output's clamp range.
/// Products whose output stays float, and Gathers from quantized tables, are rewritten as the partial file
/// FuseQuantizedPass.FloatOutput.cs describes (QuantizedMatMulToFloat; Gather on the 8-bit table, then DequantizeLinear).
/// Then every DequantizeLinear left with only constant inputs (the weights of a layer it could not fuse) is folded into
/// a float32 constant, computed as the DequantizeLinear kernel computes it, so those layers keep float semantics on
/// the packed float kernels.
/// <para>
/// Requirements: x's scale and zero point, all weight parameters and the output's scale and zero point are constants,
/// x and y quantized per tensor, w per tensor or per output channel (Conv axis 0, MatMul axis 1, Gemm with transB axis
/// 0); the product's output (and the activation's) has no other reader; Gemm has alpha = beta = 1 and no transA. The
/// backend must lower QuantizedConv/QuantizedMatMul (llvm-wasm does, for 1-D and 2-D Conv).
/// </para>
/// <para>
/// Why: ONNX Runtime's quantizer writes QDQ graphs; run as written they dequantize every weight and activation to
/// float and round again after each layer, so an int8 model is no faster than the float one. Fused, the product runs on
/// int8 operands with an int32 accumulator (4× less weight traffic; SIMD dot products), and requantises in its store.
/// Exactness: the integer op computes what ONNX Runtime's own QDQ → QLinearConv fusion computes; against the QDQ
/// graph evaluated in float it may differ by one quantization step where a value lies within rounding of a half step.
/// Runs before fold-constants (<see cref="OpDefinition"/>s run after it would see folded weights), fuse-residual and
/// fuse-activation (which would otherwise take the Relu into a float FusedConv).
/// </para>
/// </summary>
public sealed partial class FuseQuantizedPass : IPass
{
    public string Name => "fuse-qdq";

    public string Description => "rewrite DequantizeLinear → Conv/MatMul/Gemm [→ QuantizeLinear] into QuantizedConv/QuantizedMatMul[ToFloat], Gather of a quantized table into Gather → DequantizeLinear";

    public Graph Run(Graph input, PassContext context)
    {
        var graph = GatherQuantizedTables(input, out int gathers);
        var rewriter = new GraphRewriter(graph);
        int fused = 0;
        foreach (var quantize in graph.Nodes.Where(n => n.Op == "QuantizeLinear"))
        {
            if (Fuse(graph, rewriter, quantize, context.Capabilities))
            {
                fused++;
            }
        }
        int floatOutputs = 0;
        foreach (var product in graph.Nodes.Where(n => n.Op is "MatMul" or "Gemm"))
        {
            if (FuseFloatOutput(graph, rewriter, product, context.Capabilities))
            {
                floatOutputs++;
            }
        }
        var afterFusion = RemoveUnreadDequantization(rewriter.Build());
        var folded = FoldConstantDequantization(afterFusion, out int foldedCount);
        if (fused > 0)
        {
            context.Statistics["fused"] = fused;
        }
        if (floatOutputs > 0)
        {
            context.Statistics["fused_float_output"] = floatOutputs;
        }
        if (gathers > 0)
        {
            context.Statistics["quantized_gathers"] = gathers;
        }
        if (foldedCount > 0)
        {
            context.Statistics["folded"] = foldedCount;
        }
        return folded;
    }

    /// <summary>Fuses the layer that ends at <paramref name="quantize"/> when it has the QDQ shape.</summary>
    private static bool Fuse(Graph graph, GraphRewriter rewriter, Node quantize, IBackendCapabilities capabilities)
    {
        if (!IsConstantScalar(graph, quantize.Inputs, 1) || !IsConstantScalar(graph, quantize.Inputs, 2))
        {
            return false;
        }
        var removed = new List<Node> { quantize };
        var value = quantize.Inputs[0];
        var producer = rewriter.ProducerOf(value);
        Node? activation = null;
        if (producer is { Op: "Relu" or "Clip" } && rewriter.HasSoleReader(value))
        {
            activation = producer;
            removed.Add(producer);
            value = producer.Inputs[0];
            producer = rewriter.ProducerOf(value);
        }
        string? addedBias = null;
        if (producer is { Op: "Add" } add && rewriter.HasSoleReader(value))
        {
            int side = rewriter.ProducerOf(add.Inputs[0]) is { Op: "MatMul" } ? 0 : 1;
            if (rewriter.ProducerOf(add.Inputs[side]) is not { Op: "MatMul" })
            {
                return false;
            }
            addedBias = add.Inputs[1 - side];
            removed.Add(add);
            value = add.Inputs[side];
            producer = rewriter.ProducerOf(value);
        }
        if (producer is not { Op: "Conv" or "MatMul" or "Gemm" } product || !rewriter.HasSoleReader(value) || removed.Any(rewriter.IsEdited) || rewriter.IsEdited(product))
        {
            return false;
        }
        if (product.Op == "Gemm" && (product.Attributes.GetInt("transA", 0) != 0 || product.Attributes.GetFloat("alpha", 1f) != 1f || product.Attributes.GetFloat("beta", 1f) != 1f))
        {
            return false;
        }
        bool conv = product.Op == "Conv";
        bool transposed = product.Op == "Gemm" && product.Attributes.GetInt("transB", 0) != 0;
        if (Dequantized(graph, rewriter, product.Inputs[0], weights: false) is not { } x
            || Dequantized(graph, rewriter, product.Inputs[1], weights: true) is not { } w
            || (conv && graph.TypeOf(x.Inputs[0]).Shape.Rank is not (3 or 4))
            || (!conv && graph.TypeOf(w.Inputs[0]).Shape.Rank != 2))
        {
            return false;
        }
        var wq = graph.Constants[w.Inputs[0]];
        long channels = conv ? wq.Type.Shape[0] : transposed ? wq.Type.Shape[0] : wq.Type.Shape[1];
        long weightAxis = w.Attributes.GetInt("axis", 0);
        bool perChannel = graph.Constants[w.Inputs[1]].Type.ElementCount > 1;
        if (perChannel && weightAxis != (conv || transposed ? 0 : 1))
        {
            return false;
        }
        string? bias = addedBias ?? (product.InputOrNull(2) is { Length: > 0 } b ? b : null);
        float inputScale = graph.Constants[x.Inputs[1]].ToFloatArray()[0];
        var weightScales = graph.Constants[w.Inputs[1]].ToFloatArray();
        int[]? integerBias = bias is null ? null : IntegerBias(graph, rewriter, bias, inputScale, weightScales, channels);
        if (bias is not null && integerBias is null)
        {
            return false;
        }

        string weights = w.Inputs[0];
        if (transposed)
        {
            weights = rewriter.AddConstant(w.Inputs[0] + "/transposed", Transposed(wq));
        }
        var weightZero = w.InputOrNull(2) is { Length: > 0 } wz ? wz : rewriter.AddConstant(w.Inputs[0] + "/zero", ConstantMath.FromLongs(wq.Type.ElementType, Shape.Scalar, [0]));
        var inputZero = x.InputOrNull(2) is { Length: > 0 } xz ? xz : rewriter.AddConstant(x.Inputs[0] + "/zero", ConstantMath.FromLongs(graph.TypeOf(x.Inputs[0]).ElementType, Shape.Scalar, [0]));
        var outputType = graph.TypeOf(quantize.Outputs[0]).ElementType;
        var outputZero = quantize.InputOrNull(2) is { Length: > 0 } yz ? yz : rewriter.AddConstant(quantize.Outputs[0] + "/zero", ConstantMath.FromLongs(outputType, Shape.Scalar, [0]));
        var inputs = new string[9];
        inputs[In.X] = x.Inputs[0];
        inputs[In.W] = weights;
        inputs[In.Bias] = integerBias is null ? "" : rewriter.AddConstant(product.Name + "/bias_int32", TensorData.FromArray(DataType.Int32, new Shape(channels), integerBias.AsSpan()));
        inputs[In.XScale] = x.Inputs[1];
        inputs[In.XZero] = inputZero;
        inputs[In.WScale] = Flat(graph, rewriter, w.Inputs[1]);
        inputs[In.WZero] = Flat(graph, rewriter, weightZero);
        inputs[In.YScale] = quantize.Inputs[1];
        inputs[In.YZero] = outputZero;
        var attributes = conv ? product.Attributes : Attributes.Empty;
        if (activation is not null)
        {
            float outputScale = graph.Constants[quantize.Inputs[1]].ToFloatArray()[0];
            int zero = (int)(graph.ConstantOrNull(quantize.InputOrNull(2))?.ToInt64Array()[0] ?? 0);
            var (low, high) = QuantizedOps.Range(outputType);
            float min = activation.Op == "Relu" ? 0f : Number(activation.Attributes.Get("min"), float.NegativeInfinity);
            float max = activation.Op == "Relu" ? float.PositiveInfinity : Number(activation.Attributes.Get("max"), float.PositiveInfinity);
            attributes = attributes
                .With(QuantizedOps.OutputMin, (long)Math.Clamp(Quantize(min, outputScale, zero), low, high))
                .With(QuantizedOps.OutputMax, (long)Math.Clamp(Quantize(max, outputScale, zero), low, high));
        }
        var fusedNode = new Node(product.Name, conv ? QuantizedOps.Conv : QuantizedOps.MatMul, [.. inputs], quantize.Outputs, attributes);
        // The backend is asked about the node on the graph's own values (the converted constants are not in it yet).
        var probe = fusedNode with { Inputs = [x.Inputs[0], w.Inputs[0], "", x.Inputs[1], inputZero, w.Inputs[1], weightZero, quantize.Inputs[1], outputZero] };
        if (graph.Types.ContainsKey(inputZero) && graph.Types.ContainsKey(weightZero) && graph.Types.ContainsKey(outputZero) && !capabilities.CanRun(probe, graph))
        {
            return false;
        }
        rewriter.ReplaceAll([.. removed, product], fusedNode);
        if (rewriter.ConsumersOf(product.Inputs[0]).Length == 1 && !rewriter.IsGraphOutput(product.Inputs[0]))
        {
            rewriter.Remove(x);
        }
        return true;
    }

    /// <summary>Gemm's transposed [N, K] weights as the [K, N] that QuantizedMatMul takes.</summary>
    private static TensorData Transposed(TensorData matrix)
    {
        long rows = matrix.Type.Shape[0], columns = matrix.Type.Shape[1];
        var values = matrix.ToInt64Array();
        var result = new long[values.Length];
        for (long r = 0; r < rows; r++)
        {
            for (long c = 0; c < columns; c++)
            {
                result[c * rows + r] = values[r * columns + c];
            }
        }
        return ConstantMath.FromLongs(matrix.Type.ElementType, new Shape(columns, rows), result);
    }

    /// <summary>A Clip bound, written as a float or (in IR text) an integer.</summary>
    private static float Number(AttributeValue? value, float fallback)
        => value is null ? fallback : value.Kind == AttributeKind.Int ? value.Int : value.Kind == AttributeKind.Float ? value.Float : fallback;

    /// <summary>QuantizeLinear's rounding of one float (half to even), as a double so ±∞ stay out of range.</summary>
    private static double Quantize(float value, float scale, int zero)
        => float.IsInfinity(value) ? value : Math.Round((double)(value / scale), MidpointRounding.ToEven) + zero;

    /// <summary>The DequantizeLinear producing <paramref name="value"/> from an 8-bit tensor with constant per-tensor parameters (or per-axis for weights, whose tensor must be constant too).</summary>
    private static Node? Dequantized(Graph graph, GraphRewriter rewriter, string value, bool weights)
    {
        if (rewriter.ProducerOf(value) is not { Op: "DequantizeLinear" } dq
            || graph.TypeOf(dq.Inputs[0]).ElementType is not (DataType.UInt8 or DataType.Int8)
            || !graph.IsConstant(dq.Inputs[1]) || dq.InputOrNull(2) is { Length: > 0 } zero && !graph.IsConstant(zero))
        {
            return null;
        }
        return weights ? graph.IsConstant(dq.Inputs[0]) ? dq : null : IsConstantScalar(graph, dq.Inputs, 1) && IsConstantScalar(graph, dq.Inputs, 2) ? dq : null;
    }

    /// <summary>
    /// The bias in units of x_scale·w_scale[m]: a DequantizeLinear of int32 whose scale is exactly that product is taken
    /// as it is (what ONNX Runtime's quantizer writes); any other constant bias is divided and rounded half to even.
    /// </summary>
    private static int[]? IntegerBias(Graph graph, GraphRewriter rewriter, string bias, float inputScale, float[] weightScales, long channels)
    {
        float[] real;
        if (rewriter.ProducerOf(bias) is { Op: "DequantizeLinear" } dq && graph.IsConstant(dq.Inputs[0]) && graph.IsConstant(dq.Inputs[1])
            && graph.TypeOf(dq.Inputs[0]).ElementType == DataType.Int32 && graph.TypeOf(dq.Inputs[0]).ElementCount == channels
            && (dq.InputOrNull(2) is not { Length: > 0 } bz || graph.ConstantOrNull(bz)!.ToInt64Array().All(z => z == 0)))
        {
            var integers = graph.Constants[dq.Inputs[0]].ToInt64Array();
            var scales = graph.Constants[dq.Inputs[1]].ToFloatArray();
            if (Enumerable.Range(0, (int)channels).All(m => scales[scales.Length == 1 ? 0 : m] == inputScale * weightScales[weightScales.Length == 1 ? 0 : m]))
            {
                return integers.Select(v => (int)v).ToArray();
            }
            real = Enumerable.Range(0, (int)channels).Select(m => integers[m] * scales[scales.Length == 1 ? 0 : m]).ToArray();
        }
        else if (graph.ConstantOrNull(bias) is { } constant && constant.Type.ElementType == DataType.Float32 && constant.Type.ElementCount == channels)
        {
            real = constant.ToFloatArray();
        }
        else
        {
            return null;
        }
        return Enumerable.Range(0, (int)channels)
            .Select(m => (int)Math.Clamp(Math.Round(real[m] / (double)(inputScale * weightScales[weightScales.Length == 1 ? 0 : m]), MidpointRounding.ToEven), int.MinValue, int.MaxValue))
            .ToArray();
    }

    private static bool IsConstantScalar(Graph graph, System.Collections.Immutable.ImmutableArray<string> inputs, int index)
        => index >= inputs.Length || inputs[index].Length == 0 || graph.ConstantOrNull(inputs[index]) is { Type.ElementCount: 1 };

    /// <summary>A per-channel parameter as a 1-D constant (scalars stay as they are).</summary>
    private static string Flat(Graph graph, GraphRewriter rewriter, string value)
    {
        var data = graph.ConstantOrNull(value);
        return data is null || data.Type.ElementCount == 1 || data.Type.Shape.Rank == 1 ? value : rewriter.AddConstant(value + "/flat", ConstantMath.WithShape(data, new Shape(data.Type.ElementCount)));
    }

    /// <summary>
    /// Folds each DequantizeLinear whose inputs are all constants into (float(q) − float(zero))·scale, the
    /// DequantizeLinear kernel's arithmetic; one left without readers (a fused layer's weights) is removed.
    /// </summary>
    private static Graph FoldConstantDequantization(Graph graph, out int count)
    {
        var rewriter = new GraphRewriter(graph);
        var replacements = new Dictionary<string, string>(StringComparer.Ordinal);
        count = 0;
        foreach (var dq in graph.Nodes.Where(n => n.Op == "DequantizeLinear"))
        {
            if (dq.Inputs.Any(i => i.Length > 0 && !graph.IsConstant(i)) || rewriter.IsGraphOutput(dq.Outputs[0]))
            {
                continue;
            }
            rewriter.Remove(dq);
            if (rewriter.ConsumersOf(dq.Outputs[0]).IsEmpty)
            {
                continue;
            }
            replacements[dq.Outputs[0]] = rewriter.AddConstant(dq.Outputs[0] + "/value", Dequantize(graph, dq));
            count++;
        }
        foreach (var reader in graph.Nodes.Where(n => !rewriter.IsEdited(n) && n.Inputs.Any(replacements.ContainsKey)))
        {
            rewriter.Replace(reader, reader with { Inputs = [.. reader.Inputs.Select(i => replacements.GetValueOrDefault(i, i))] });
        }
        return rewriter.Build();
    }

    private static TensorData Dequantize(Graph graph, Node dq)
    {
        var q = graph.Constants[dq.Inputs[0]];
        var scale = graph.Constants[dq.Inputs[1]].ToFloatArray();
        var zero = dq.InputOrNull(2) is { Length: > 0 } z ? graph.Constants[z].ToDoubleArray() : [0.0];
        var values = q.ToDoubleArray();
        var shape = q.Type.Shape;
        int axis = (int)dq.Attributes.GetInt("axis", 0);
        long inner = scale.Length == 1 ? 1 : shape.Dims.Skip(axis + 1).Aggregate(1L, (a, d) => a * d);
        var result = new float[values.Length];
        for (long i = 0; i < values.Length; i++)
        {
            long channel = scale.Length == 1 ? 0 : i / inner % scale.Length;
            result[i] = ((float)values[i] - (float)zero[zero.Length == 1 ? 0 : channel]) * scale[channel];
        }
        return TensorData.FromFloats(shape, result);
    }
}
