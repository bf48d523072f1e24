using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>
/// ConvInteger, MatMulInteger, QLinearConv and QLinearMatMul as float programs: the 8-bit operands, minus their zero
/// points, are cast to float32, multiplied by the float Conv or MatMul, and the accumulator is cast to int32 (the
/// *Integer ops) or requantised (the QLinear ops).
/// <para>
/// Why this is exact: float32 represents every integer of magnitude up to 2^24, and each product and partial sum of
/// the accumulation is an integer bounded by Σ|a − a₀|·|b − b₀| ≤ reduction length × 255 × 255 (with constant weights,
/// 255 × the largest Σ|w − w₀| of one output). While that bound stays within 2^24, float32 accumulates exactly what
/// the int32 kernel would, in any order; beyond it the import is refused rather than silently rounded.
/// </para>
/// <para>
/// Requantisation follows ONNX Runtime: the int32 accumulator (plus the int32 bias) times the float multiplier
/// x_scale·w_scale/y_scale, rounded half to even, plus the output zero point, saturated (QuantizeLinear with scale 1).
/// </para>
/// </summary>
internal static class QuantizedImporters
{
    private const double ExactLimit = 1 << 24;

    public static void MatMulInteger(OnnxNode node, int opset, ImportContext context)
    {
        var d = new Decomposer(node, context);
        string accumulator = IntegerMatMul(d, node, context, a: 0, aZero: 2, b: 1, bZero: 3);
        d.Cast(accumulator, DataType.Int32, context.FirstOutput(node));
    }

    public static void QLinearMatMul(OnnxNode node, int opset, ImportContext context)
    {
        if (TryIntegerForm(node, context, QuantizedOps.MatMul, IrAttributes.Empty))
        {
            return;
        }
        var d = new Decomposer(node, context);
        string accumulator = IntegerMatMul(d, node, context, a: 0, aZero: 2, b: 3, bZero: 5);
        long rows = OperandRows(d.ShapeOf(context.Input(node, 0)));
        string multiplier = d.Div(d.Mul(PerRow(d, context.Input(node, 1), rows), context.Input(node, 4)), PerRow(d, context.Input(node, 6), rows));
        Requantize(d, node, context, d.Mul(accumulator, multiplier), zero: 7, perAxis: d.ShapeOf(accumulator).Rank - 2);
    }

    public static void ConvInteger(OnnxNode node, int opset, ImportContext context)
    {
        var d = new Decomposer(node, context);
        string accumulator = IntegerConv(d, node, context, x: 0, xZero: 2, w: 1, wZero: 3, bias: null);
        d.Cast(accumulator, DataType.Int32, context.FirstOutput(node));
    }

    public static void QLinearConv(OnnxNode node, int opset, ImportContext context)
    {
        var convAttributes = ConvolutionImporters.ConvAttributes(node, context, context.InputShape(node, 0), context.InputShape(node, 3));
        if (TryIntegerForm(node, context, QuantizedOps.Conv, convAttributes))
        {
            return;
        }
        var d = new Decomposer(node, context);
        string accumulator = IntegerConv(d, node, context, x: 0, xZero: 2, w: 3, wZero: 5, bias: node.HasInput(8) ? 8 : null);
        int rank = d.ShapeOf(accumulator).Rank;
        string weightScale = PerChannel(d, context.Input(node, 4), rank);
        string multiplier = d.Div(d.Mul(context.Input(node, 1), weightScale), context.Input(node, 6));
        Requantize(d, node, context, d.Mul(accumulator, multiplier), zero: 7, perAxis: 1);
    }

    /// <summary>
    /// Whether <paramref name="value"/> is a DequantizeLinear of constants: a QDQ model's weights. Conv keeps them as its
    /// weight input (not the run-time-weight program), so that fuse-qdq finds the quantized layer, and folds the ones it
    /// does not fuse into float constants for the packed kernels.
    /// </summary>
    public static bool IsDequantizedConstant(ImportContext context, string value)
        => context.Builder.Nodes.LastOrDefault(n => n.Outputs.Contains(value)) is { Op: "DequantizeLinear" } dq
           && dq.Inputs.All(i => i.Length == 0 || context.Builder.Constants.ContainsKey(i));

    /// <summary>
    /// QLinearConv/QLinearMatMul as the integer op (QuantizedConv/QuantizedMatMul, int32 accumulation, fused
    /// requantisation) when everything but x is a constant of the shapes that op takes: one x and y scale and zero
    /// point, weight scale and zero point per tensor or per output channel (per column of a [K, N] B), a 1-D or 2-D
    /// Conv. Otherwise false, and the float program below runs it.
    /// </summary>
    private static bool TryIntegerForm(OnnxNode node, ImportContext context, string op, IrAttributes attributes)
    {
        if (Enumerable.Range(0, 8).Any(i => !node.HasInput(i)) || Enumerable.Range(1, 8).Any(i => node.HasInput(i) && context.TryConstant(node, i) is null))
        {
            return false;
        }
        var x = context.InputShape(node, 0);
        var w = context.InputShape(node, 3);
        bool shapes = op == QuantizedOps.Conv ? x.Rank is 3 or 4 : w.Rank == 2 && x.Rank >= 1;
        long channels = op == QuantizedOps.Conv ? w[0] : w.Rank == 2 ? w[1] : 0;
        bool One(int i) => context.InputType(node, i).ElementCount == 1;
        bool PerChannel(int i) => One(i) || context.InputType(node, i).ElementCount == channels;
        var types = new[] { 0, 2, 3, 5, 7 }.Select(i => context.InputType(node, i).ElementType).ToArray();
        if (!shapes || !One(1) || !One(2) || !One(6) || !One(7) || !PerChannel(4) || !PerChannel(5)
            || types.Any(t => t is not (DataType.UInt8 or DataType.Int8)) || types[0] != types[1] || types[2] != types[3]
            || node.HasInput(8) && context.InputType(node, 8).ElementType != DataType.Int32)
        {
            return false;
        }
        var d = new Decomposer(node, context);
        string Flat(int i) => One(i) ? context.Input(node, i) : d.Reshape(context.Input(node, i), [channels]);
        var inputs = new[]
        {
            context.Input(node, 0), context.Input(node, 3), node.HasInput(8) ? context.Input(node, 8) : "",
            context.Input(node, 1), context.Input(node, 2), Flat(4), Flat(5), context.Input(node, 6), context.Input(node, 7),
        };
        context.Emit(node, op, inputs, [context.FirstOutput(node)], attributes);
        return true;
    }

    /// <summary>(a − a₀)·(b − b₀) in float32; a₀ may be per row of a, b₀ per column of b.</summary>
    private static string IntegerMatMul(Decomposer d, OnnxNode node, ImportContext context, int a, int aZero, int b, int bZero)
    {
        var aShape = context.InputShape(node, a);
        string aCentered = Centered(d, node, context, a, aZero, zero => PerRow(d, zero, OperandRows(aShape)));
        string bCentered = Centered(d, node, context, b, bZero, zero => zero);
        var bShape = d.ShapeOf(bCentered);
        long reduction = aShape.Rank == 0 ? 0 : aShape[aShape.Rank - 1];
        double bound = d.ConstantOrNull(bCentered) is { } weights
            ? 255 * LargestSum(weights.ToFloatArray(), bShape.Rank == 1 ? new Shape(bShape[0], 1) : bShape, columns: true)
            : reduction * 255.0 * 255.0;
        CheckExact(node, context, bound);
        return d.MatMul(aCentered, bCentered);
    }

    /// <summary>
/// Conv of (x − x₀) and (w − w₀) (w₀ per output channel) in float32, plus the int32 bias as float; weights known only
/// at run time take the non-packed path (<see cref="RunTimeWeightConv"/>).
/// </summary>
    private static string IntegerConv(Decomposer d, OnnxNode node, ImportContext context, int x, int xZero, int w, int wZero, int? bias)
    {
        var xShape = context.InputShape(node, x);
        var wShape = context.InputShape(node, w);
        var attributes = ConvolutionImporters.ConvAttributes(node, context, xShape, wShape);
        if (node.HasInput(xZero) && context.InputType(node, xZero).ElementCount != 1)
        {
            throw context.Unsupported(node, "a per-channel input zero point");
        }
        string xCentered = Centered(d, node, context, x, xZero, zero => zero);
        string wCentered = Centered(d, node, context, w, wZero, zero => PerChannel(d, zero, wShape.Rank, channelAxis: 0));
        // Constant weights bound the accumulation by their largest sum; run-time ones by the reduction length.
        double bound = d.ConstantOrNull(wCentered) is { } weights
            ? 255 * LargestSum(weights.ToFloatArray(), wShape, columns: false)
            : 255.0 * 255.0 * (wShape.ElementCount / Math.Max(wShape[0], 1));
        var inputs = new List<string> { xCentered, wCentered };
        if (bias is { } b)
        {
            if (context.OptionalConstant(node, b, "B") is not { } biasData)
            {
                throw context.Unsupported(node, "the bias must be a constant");
            }
            bound += biasData.ToInt64Array().Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max();
            inputs.Add(d.Cast(context.Input(node, b), DataType.Float32));
        }
        CheckExact(node, context, bound);
        return d.ConstantOrNull(wCentered) is null
            ? RunTimeWeightConv.Emit(d, node, context, xCentered, wCentered, inputs.Count > 2 ? inputs[2] : null, attributes)
            : d.Op("Conv", inputs, attributes);
    }

    /// <summary>float32(input) − float32(zero point), the zero point shaped by <paramref name="shapeZero"/> to broadcast.</summary>
    private static string Centered(Decomposer d, OnnxNode node, ImportContext context, int input, int zero, Func<string, string> shapeZero)
    {
        var type = context.InputType(node, input).ElementType;
        if (type is not (DataType.UInt8 or DataType.Int8))
        {
            throw context.Unsupported(node, $"input {input} is {type.Name()}; only 8-bit integers are supported");
        }
        string value = d.Cast(context.Input(node, input), DataType.Float32);
        if (!node.HasInput(zero))
        {
            return value;
        }
        if (context.InputType(node, zero).ElementType != type)
        {
            throw context.Error(node, $"zero point {zero} is {context.InputType(node, zero).ElementType.Name()}, but its input is {type.Name()}");
        }
        return d.Sub(value, shapeZero(d.Cast(context.Input(node, zero), DataType.Float32)));
    }

    /// <summary>saturate(round_half_even(scaled) + zero point) through QuantizeLinear with scale 1 (per axis when the zero point is).</summary>
    private static void Requantize(Decomposer d, OnnxNode node, ImportContext context, string scaled, int zero, int perAxis)
    {
        string zeroPoint = context.Input(node, zero);
        long count = d.TypeOf(zeroPoint).ElementCount;
        if (count == 1)
        {
            d.Op("QuantizeLinear", [scaled, d.Scalar(1f), d.Reshape(zeroPoint, [])], IrAttributes.Empty.With("axis", 0L), context.FirstOutput(node));
            return;
        }
        if (d.ShapeOf(scaled)[perAxis] != count)
        {
            throw context.Error(node, $"output zero point {d.ShapeOf(zeroPoint)} matches neither one value nor axis {perAxis} of {d.ShapeOf(scaled)}");
        }
        string ones = d.Constant(TensorData.FromFloats(new Shape(count), Enumerable.Repeat(1f, (int)count).ToArray()), "ones");
        d.Op("QuantizeLinear", [scaled, ones, d.Reshape(zeroPoint, [count])], IrAttributes.Empty.With("axis", (long)perAxis), context.FirstOutput(node));
    }

    private static long OperandRows(Shape shape) => shape.Rank >= 2 ? shape[shape.Rank - 2] : 1;

    /// <summary>A per-row parameter ([rows]) as [rows, 1], so it broadcasts over the columns; a single value stays as it is.</summary>
    private static string PerRow(Decomposer d, string value, long rows)
        => d.TypeOf(value).ElementCount > 1 ? d.Reshape(value, [rows, 1]) : value;

    /// <summary>A per-channel parameter ([channels]) shaped to broadcast along <paramref name="channelAxis"/> of a rank-<paramref name="rank"/> tensor.</summary>
    private static string PerChannel(Decomposer d, string value, int rank, int channelAxis = 1)
    {
        long count = d.TypeOf(value).ElementCount;
        if (count == 1)
        {
            return d.Reshape(value, []);
        }
        var dims = Enumerable.Repeat(1L, rank).ToArray();
        dims[channelAxis] = count;
        return d.Reshape(value, dims);
    }

    /// <summary>The largest Σ|w| over one output: a column of a [.., K, N] matrix, or one output channel of [M, …] Conv weights.</summary>
    private static double LargestSum(float[] values, Shape shape, bool columns)
    {
        double largest = 0;
        if (columns)
        {
            long k = shape[shape.Rank - 2], n = shape[shape.Rank - 1];
            for (long matrix = 0; matrix < values.Length / Math.Max(k * n, 1); matrix++)
            {
                for (long column = 0; column < n; column++)
                {
                    double sum = 0;
                    for (long row = 0; row < k; row++)
                    {
                        sum += Math.Abs(values[matrix * k * n + row * n + column]);
                    }
                    largest = Math.Max(largest, sum);
                }
            }
            return largest;
        }
        long perOutput = values.Length / Math.Max(shape[0], 1);
        for (long output = 0; output < shape[0]; output++)
        {
            largest = Math.Max(largest, values.Skip((int)(output * perOutput)).Take((int)perOutput).Sum(v => Math.Abs((double)v)));
        }
        return largest;
    }

    private static void CheckExact(OnnxNode node, ImportContext context, double bound)
    {
        if (bound > ExactLimit)
        {
            throw context.Unsupported(node, $"the integer accumulation can reach {bound:0}, beyond 2^24, where float32 (which this import computes in) stops being exact");
        }
    }
}
