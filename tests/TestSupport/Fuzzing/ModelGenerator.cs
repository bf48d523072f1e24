using WasmGraph.Abstractions.Ir;
using WasmGraph.Onnx;
using WasmGraph.Onnx.Proto;

namespace WasmGraph.TestSupport.Fuzzing;

/// <summary>
/// Generates well-formed protobufs of plausible but random models: a chain of supported ops with random shapes,
/// attributes and weights, some consistent and some not. Where byte mutations mostly test the parser, these reach
/// every importer and every op's shape inference with combinations no hand-written test lists.
/// </summary>
public static class ModelGenerator
{
    private static readonly string[] Unary = ["Relu", "Sigmoid", "Identity", "Dropout", "Clip", "Softmax", "Flatten"];
    private static readonly string[] Binary = ["Add", "Mul", "Sub", "Div", "MatMul", "Concat"];
    private static readonly string[] Windowed = ["Conv", "MaxPool", "AveragePool", "GlobalAveragePool"];
    private static readonly string[] Shaping = ["Reshape", "Transpose", "Squeeze", "Unsqueeze", "Split", "Gemm", "BatchNormalization"];

    public static byte[] Generate(Random random)
    {
        int rank = random.Next(1, 6);
        var dims = Enumerable.Range(0, rank).Select(_ => (long)random.Next(1, 7)).ToArray();
        var builder = new OnnxModelBuilder().Opset(random.Next(7, 18)).Input("x", DataType.Float32, dims);
        string current = "x";
        int count = random.Next(1, 7);
        for (int i = 0; i < count; i++)
        {
            string output = $"v{i}";
            int family = random.Next(4);
            string op = family switch
            {
                0 => Pick(Unary, random),
                1 => Pick(Binary, random),
                2 => Pick(Windowed, random),
                _ => Pick(Shaping, random),
            };
            var inputs = new List<string> { current };
            var attributes = new List<AttributeProto>();
            switch (op)
            {
                case "Softmax" or "Flatten" or "Concat":
                    attributes.Add(OnnxAttr.Int("axis", random.Next(-rank - 1, rank + 1)));
                    break;
                case "Clip" when random.Next(2) == 0:
                    attributes.Add(OnnxAttr.Float("min", -random.NextSingle()));
                    attributes.Add(OnnxAttr.Float("max", random.NextSingle()));
                    break;
                case "Conv":
                    inputs.Add(Weight(builder, $"w{i}", [random.Next(1, 5), dims.Length > 1 ? dims[1] : 1, .. RandomDims(random, Math.Max(0, rank - 2), 1, 4)], random));
                    MaybeWindowAttributes(attributes, rank, random);
                    break;
                case "MaxPool" or "AveragePool":
                    attributes.Add(OnnxAttr.Ints("kernel_shape", RandomDims(random, Math.Max(1, rank - 2), 1, 4)));
                    MaybeWindowAttributes(attributes, rank, random);
                    break;
                case "Reshape":
                    long[] shape = random.Next(3) == 0 ? [-1] : RandomDims(random, random.Next(1, 4), -1, 7);
                    inputs.Add(Constant(builder, $"s{i}", shape));
                    break;
                case "Transpose":
                    attributes.Add(OnnxAttr.Ints("perm", Enumerable.Range(0, rank).Select(a => (long)a).OrderBy(_ => random.Next()).ToArray()));
                    break;
                case "Squeeze" or "Unsqueeze":
                    attributes.Add(OnnxAttr.Ints("axes", random.Next(-rank, rank + 1)));
                    break;
                case "Split":
                    attributes.Add(OnnxAttr.Int("axis", random.Next(-rank, rank)));
                    builder.Node(op, [.. inputs], [output, $"{output}_b"], [.. attributes]);
                    current = output;
                    continue;
                case "Gemm":
                    inputs.Add(Weight(builder, $"w{i}", [random.Next(1, 7), random.Next(1, 7)], random));
                    attributes.Add(OnnxAttr.Int("transB", random.Next(2)));
                    break;
                case "BatchNormalization":
                    long channels = dims.Length > 1 ? dims[1] : 1;
                    inputs.AddRange(new[] { "scale", "bias", "mean", "var" }.Select(n => Weight(builder, $"{n}{i}", [channels], random)));
                    attributes.Add(OnnxAttr.Float("epsilon", 1e-5f));
                    break;
                case "MatMul":
                    inputs.Add(Weight(builder, $"w{i}", [dims[^1], random.Next(1, 5)], random));
                    break;
                case "Add" or "Mul" or "Sub" or "Div":
                    inputs.Add(random.Next(2) == 0 ? current : Weight(builder, $"w{i}", RandomDims(random, random.Next(0, rank + 1), 1, 3), random));
                    break;
            }
            if (op == "Concat")
            {
                inputs.Add(current);
            }
            builder.Node(op, [.. inputs], [output], [.. attributes]);
            current = output;
        }
        builder.Output(current, DataType.Float32);
        return builder.ToBytes();
    }

    private static void MaybeWindowAttributes(List<AttributeProto> attributes, int rank, Random random)
    {
        int spatial = Math.Max(1, rank - 2);
        if (random.Next(2) == 0)
        {
            attributes.Add(OnnxAttr.Ints("pads", RandomDims(random, 2 * spatial, 0, 3)));
        }
        if (random.Next(2) == 0)
        {
            attributes.Add(OnnxAttr.Ints("strides", RandomDims(random, spatial, 1, 3)));
        }
        if (random.Next(4) == 0)
        {
            attributes.Add(OnnxAttr.String("auto_pad", Pick(["SAME_UPPER", "SAME_LOWER", "VALID", "NOTSET", "BOGUS"], random)));
        }
    }

    private static string Weight(OnnxModelBuilder builder, string name, long[] dims, Random random)
    {
        builder.Initializer(name, TestTensors.Random(dims, random.Next()), random.Next(2) == 0 ? TensorEncoding.Raw : TensorEncoding.Typed);
        return name;
    }

    private static string Constant(OnnxModelBuilder builder, string name, long[] values)
    {
        builder.Initializer(name, TensorData.FromArray(DataType.Int64, new Shape(values.Length), values));
        return name;
    }

    private static long[] RandomDims(Random random, int count, int min, int max)
        => Enumerable.Range(0, count).Select(_ => (long)random.Next(min, max)).ToArray();

    private static T Pick<T>(IList<T> items, Random random) => items[random.Next(items.Count)];
}
