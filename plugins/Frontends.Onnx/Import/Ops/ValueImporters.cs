using WasmGraph.Abstractions.Ir;

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
            data = TensorReader.Read(tensor, $"Constant '{node.Name}'", context.File);
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
        context.RefuseUsedOutputs(node, 1, "dropout mask");
        context.Alias(node, context.FirstOutput(node), context.Input(node, 0));
    }
}
