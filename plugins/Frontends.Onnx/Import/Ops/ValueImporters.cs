using WasmGraph.Abstractions.Ir;
using WasmGraph.Onnx;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>
/// Nodes that compute nothing at inference time: Constant becomes a graph constant, Identity and inference-mode
/// Dropout become aliases (their output name stands for their input). Graph outputs that end up aliased are fixed
/// up by <see cref="OutputBinder"/>.
/// </summary>
internal static class ValueImporters
{
    public static void Constant(OnnxNode node, int opset, ImportContext context)
    {
        var attributes = node.Attributes;
        string output = context.FirstOutput(node);
        TensorData data;
        if (attributes.Tensor("value") is { } tensor)
        {
            data = OnnxTensors.ToTensorData(tensor, $"Constant '{node.Name}'", context.File);
        }
        else if (attributes.Has("value_float"))
        {
            data = TensorData.FromFloats(Shape.Scalar, [attributes.Float("value_float", 0f)]);
        }
        else if (attributes.Floats("value_floats") is { } floats)
        {
            data = TensorData.FromFloats(new Shape(floats.Length), floats);
        }
        else if (attributes.Has("value_int"))
        {
            data = TensorData.FromInt64s(Shape.Scalar, [attributes.Int("value_int")]);
        }
        else if (attributes.Ints("value_ints") is { } ints)
        {
            data = TensorData.FromInt64s(new Shape(ints.Length), ints);
        }
        else
        {
            var kind = attributes.Has("sparse_value") ? "sparse_value" : attributes.Has("value_string") || attributes.Has("value_strings") ? "string values" : null;
            throw kind is null ? context.Error(node, "has no value attribute") : context.Unsupported(node, kind);
        }
        context.AddConstant(node, output, data);
    }

    public static void Identity(OnnxNode node, int opset, ImportContext context)
        => context.Alias(node, context.FirstOutput(node), context.Input(node, 0));

    /// <summary>
    /// OptionalHasElement of an optional tensor. WasmGraph has no empty value: an optional graph input is a tensor input
    /// of the module, always given (the ABI has no absent input), and an optional a node makes holds its tensor. So it
    /// is true for a present input and false only for an absent one (opset 18 allows calling it with none).
    /// </summary>
    public static void OptionalHasElement(OnnxNode node, int opset, ImportContext context)
    {
        bool present = node.HasInput(0) && context.Input(node, 0).Length > 0;
        context.AddConstant(node, context.FirstOutput(node), TensorData.FromArray(DataType.Bool, Shape.Scalar, new[] { (byte)(present ? 1 : 0) }.AsSpan()));
    }

    /// <summary>OptionalGetElement of an optional tensor is that tensor (an optional input is always present, see <see cref="OptionalHasElement"/>).</summary>
    public static void OptionalGetElement(OnnxNode node, int opset, ImportContext context)
        => context.Alias(node, context.FirstOutput(node), context.Input(node, 0));

    /// <summary>
    /// Dropout is the identity at inference time. From opset 12 a <c>training_mode</c> input may switch it on; that
    /// input must be absent or a constant false. The mask output must be unused.
    /// </summary>
    public static void Dropout(OnnxNode node, int opset, ImportContext context)
    {
        if (opset >= 12 && node.HasInput(2))
        {
            var trainingMode = context.Constant(node, 2, "training_mode");
            if (trainingMode.ToInt64Array().Any(v => v != 0))
            {
                throw context.Unsupported(node, "training_mode=true");
            }
        }
        if (opset >= 10 && node.Outputs.Count > 1 && context.IsUsed(node.Outputs[1]))
        {
            // Outside training the mask keeps every element: a constant all-true bool tensor (opset 10+ types it bool).
            var mask = new TensorType(DataType.Bool, context.InputShape(node, 0));
            context.Limits.CheckType(mask, $"output '{node.Outputs[1]}' ({mask})", node.Name, node.OpType);
            var ones = Enumerable.Repeat(1L, checked((int)mask.ElementCount)).ToArray();
            context.AddConstant(node, node.Outputs[1], Abstractions.Ops.ConstantMath.FromLongs(DataType.Bool, mask.Shape, ones));
        }
        context.RefuseUsedOutputs(node, opset >= 10 ? 2 : 1, "dropout mask");
        context.Alias(node, context.FirstOutput(node), context.Input(node, 0));
    }

    /// <summary>
    /// EyeLike depends only on the input's static shape, so it becomes a constant: ones on diagonal k, zeros elsewhere,
    /// in the dtype attribute's type (or the input's).
    /// </summary>
    public static void EyeLike(OnnxNode node, int opset, ImportContext context)
    {
        var input = context.InputType(node, 0);
        if (input.Shape.Rank != 2)
        {
            throw context.Error(node, $"input must be 2-D, got {input.Shape}");
        }
        var type = node.Attributes.Has("dtype") ? (DataType)node.Attributes.Int("dtype") : input.ElementType;
        if (!DataTypes.IsDefined((int)type))
        {
            throw context.Unsupported(node, $"dtype {type.Name()}");
        }
        var result = new TensorType(type, input.Shape);
        context.Limits.CheckType(result, $"output '{context.FirstOutput(node)}' ({result})", node.Name, node.OpType);
        long rows = input.Shape[0], columns = input.Shape[1], k = node.Attributes.Int("k", 0);
        var values = new long[rows * columns];
        for (long r = 0; r < rows; r++)
        {
            long c = r + k;
            if (c >= 0 && c < columns)
            {
                values[r * columns + c] = 1;
            }
        }
        context.AddConstant(node, context.FirstOutput(node), Abstractions.Ops.ConstantMath.FromLongs(type, input.Shape, values));
    }
}
