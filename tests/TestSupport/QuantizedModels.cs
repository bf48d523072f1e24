using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;

namespace WasmGraph.TestSupport;

/// <summary>
/// Small quantized ONNX models for the int8 tests: QLinearConv/QLinearMatMul nodes with constant weights, and QDQ
/// blocks (QuantizeLinear/DequantizeLinear around Conv, MatMul, Add) as ONNX Runtime's quantizer writes them, with
/// per-channel symmetric int8 weights and an int32 bias in units of x_scale·w_scale.
/// </summary>
public static class QuantizedModels
{
    /// <summary>Uniform integers in [low, high] of an integer type, from a seed.</summary>
    public static TensorData Integers(DataType type, long[] dims, int low, int high, int seed)
    {
        var random = new Random(seed);
        var shape = new Shape(dims);
        return ConstantMath.FromLongs(type, shape, Enumerable.Range(0, (int)shape.ElementCount).Select(_ => (long)random.Next(low, high + 1)).ToArray());
    }

    /// <summary>Random values of an 8-bit type over its whole range.</summary>
    public static TensorData Bytes(DataType type, long[] dims, int seed)
        => type == DataType.UInt8 ? Integers(type, dims, 0, 255, seed) : Integers(type, dims, -128, 127, seed);

    public static TensorData Scalar(DataType type, long value) => ConstantMath.FromLongs(type, Shape.Scalar, [value]);

    public static TensorData Floats(params float[] values) => TensorData.FromFloats(values.Length == 1 ? Shape.Scalar : new Shape(values.Length), values);

    /// <summary>Per-channel weight scales in [0.002, 0.004] (one value when <paramref name="perChannel"/> is false).</summary>
    public static float[] WeightScales(long channels, bool perChannel, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, perChannel ? (int)channels : 1).Select(_ => 0.002f + 0.002f * (float)random.NextDouble()).ToArray();
    }

    /// <summary>An output scale that spreads a reduction of <paramref name="reduction"/> products over about ±60 steps.</summary>
    public static float OutputScale(float inputScale, float weightScale, long reduction) => inputScale * weightScale * MathF.Sqrt(reduction) * 75f * 73f / 60f;

    /// <summary>
    /// Conv → [Relu] in QDQ form on a float input x: x → Q → DQ, weights DQ(int8 per output channel, axis 0), bias
    /// DQ(int32, scale x_scale·w_scale), then Q → DQ of the output. Returns the model; inputs are named "x".
    /// </summary>
    public static OnnxModelBuilder QdqConv(long[] x, long outChannels, long kernel, long group, bool relu, bool residual, DataType activation, int seed)
    {
        long inChannels = x[1];
        var builder = new OnnxModelBuilder().Opset(13).Input("x", DataType.Float32, x);
        long zero = activation == DataType.UInt8 ? 128 : 0;
        builder.Initializer("x_scale", Floats(0.02f)).Initializer("x_zero", Scalar(activation, zero));
        builder.Node("QuantizeLinear", ["x", "x_scale", "x_zero"], ["x_q"]).Node("DequantizeLinear", ["x_q", "x_scale", "x_zero"], ["x_dq"]);
        string input = "x_dq";
        long channels = inChannels;
        long pad = kernel / 2;
        long reduction = inChannels / group * kernel * kernel;
        float inputScale = 0.02f;
        for (int layer = 0; layer < (residual ? 2 : 1); layer++)
        {
            long outputs = residual ? inChannels : outChannels;
            long layerGroup = residual ? 1 : group;
            long layerReduction = residual ? inChannels * kernel * kernel : reduction;
            var scales = WeightScales(outputs, perChannel: true, seed + layer);
            var wq = Integers(DataType.Int8, [outputs, channels / layerGroup, kernel, kernel], -127, 127, seed + 10 + layer);
            string p = $"l{layer}_";
            float yScale = OutputScale(inputScale, scales.Average(), layerReduction);
            builder.Initializer(p + "w_q", wq).Initializer(p + "w_scale", TensorData.FromFloats(new Shape(outputs), scales))
                .Initializer(p + "w_zero", ConstantMath.FromLongs(DataType.Int8, new Shape(outputs), new long[outputs]))
                .Initializer(p + "b_q", Integers(DataType.Int32, [outputs], -3000, 3000, seed + 20 + layer))
                .Initializer(p + "b_scale", TensorData.FromFloats(new Shape(outputs), scales.Select(s => s * inputScale).ToArray()))
                .Initializer(p + "b_zero", ConstantMath.FromLongs(DataType.Int32, new Shape(outputs), new long[outputs]))
                .Initializer(p + "y_scale", Floats(yScale)).Initializer(p + "y_zero", Scalar(activation, zero));
            builder.Node("DequantizeLinear", [p + "w_q", p + "w_scale", p + "w_zero"], [p + "w"], OnnxAttr.Int("axis", 0))
                .Node("DequantizeLinear", [p + "b_q", p + "b_scale", p + "b_zero"], [p + "b"], OnnxAttr.Int("axis", 0))
                .Node("Conv", [input, p + "w", p + "b"], [p + "conv"], OnnxAttr.Ints("pads", pad, pad, pad, pad), OnnxAttr.Int("group", layerGroup));
            string last = p + "conv";
            if (relu && layer == 0)
            {
                builder.Node("Relu", [last], [p + "relu"]);
                last = p + "relu";
            }
            builder.Node("QuantizeLinear", [last, p + "y_scale", p + "y_zero"], [p + "y_q"])
                .Node("DequantizeLinear", [p + "y_q", p + "y_scale", p + "y_zero"], [p + "y"]);
            input = p + "y";
            channels = outputs;
            inputScale = yScale;
        }
        if (residual)
        {
            builder.Initializer("sum_scale", Floats(0.05f)).Initializer("sum_zero", Scalar(activation, zero))
                .Node("Add", [input, "x_dq"], ["sum"]).Node("Relu", ["sum"], ["sum_relu"])
                .Node("QuantizeLinear", ["sum_relu", "sum_scale", "sum_zero"], ["sum_q"])
                .Node("DequantizeLinear", ["sum_q", "sum_scale", "sum_zero"], ["y"]);
        }
        else
        {
            builder.Node("Identity", [input], ["y"]);
        }
        return builder.Output("y", DataType.Float32);
    }

    /// <summary>
    /// MatMul (+ bias Add) in QDQ form on a float [rows…, K] input: weights DQ(int8 [K, N], per column, axis 1), bias
    /// DQ(int32), output Q → DQ. Inputs are named "x".
    /// </summary>
    public static OnnxModelBuilder QdqMatMul(long[] x, long columns, DataType activation, bool gelu, int seed)
    {
        long k = x[^1];
        var scales = WeightScales(columns, perChannel: true, seed);
        long zero = activation == DataType.UInt8 ? 128 : 0;
        var builder = new OnnxModelBuilder().Opset(13).Input("x", DataType.Float32, x)
            .Initializer("x_scale", Floats(0.02f)).Initializer("x_zero", Scalar(activation, zero))
            .Initializer("w_q", Integers(DataType.Int8, [k, columns], -127, 127, seed + 1))
            .Initializer("w_scale", TensorData.FromFloats(new Shape(columns), scales))
            .Initializer("w_zero", ConstantMath.FromLongs(DataType.Int8, new Shape(columns), new long[columns]))
            .Initializer("b_q", Integers(DataType.Int32, [columns], -3000, 3000, seed + 2))
            .Initializer("b_scale", TensorData.FromFloats(new Shape(columns), scales.Select(s => s * 0.02f).ToArray()))
            .Initializer("b_zero", ConstantMath.FromLongs(DataType.Int32, new Shape(columns), new long[columns]))
            .Initializer("y_scale", Floats(OutputScale(0.02f, scales.Average(), k))).Initializer("y_zero", Scalar(activation, zero))
            .Node("QuantizeLinear", ["x", "x_scale", "x_zero"], ["x_q"]).Node("DequantizeLinear", ["x_q", "x_scale", "x_zero"], ["x_dq"])
            .Node("DequantizeLinear", ["w_q", "w_scale", "w_zero"], ["w"], OnnxAttr.Int("axis", 1))
            .Node("DequantizeLinear", ["b_q", "b_scale", "b_zero"], ["b"], OnnxAttr.Int("axis", 0))
            .Node("MatMul", ["x_dq", "w"], ["mm"]).Node("Add", ["mm", "b"], ["biased"]);
        string last = "biased";
        if (gelu)
        {
            // A float op after the product: the pass keeps it float, between the int8 product and the next Q.
            builder.Node("Tanh", [last], ["act"]);
            last = "act";
        }
        return builder.Node("QuantizeLinear", [last, "y_scale", "y_zero"], ["y_q"])
            .Node("DequantizeLinear", ["y_q", "y_scale", "y_zero"], ["y"])
            .Output("y", DataType.Float32);
    }
}
