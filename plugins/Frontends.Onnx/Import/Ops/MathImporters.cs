using WasmGraph.Abstractions.Ir;
using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>
/// Unary maths and activations with their ONNX attribute defaults made explicit, the variadic ops (Max, Min, Sum,
/// Mean) as chains of binary nodes, and Where.
/// </summary>
internal static class MathImporters
{
    /// <summary>A unary op with no attributes whose canonical form is the ONNX form.</summary>
    public static OpImporter Unary(string op) => (node, opset, context) => context.EmitDirect(node, op, IrAttributes.Empty, inputCount: 1);

    /// <summary>A unary op with float attributes, each with its ONNX default.</summary>
    public static OpImporter Unary(string op, params (string Name, float Default)[] attributes) => (node, opset, context) =>
    {
        var irAttributes = attributes.Aggregate(IrAttributes.Empty, (a, p) => a.With(p.Name, node.Attributes.Float(p.Name, p.Default)));
        context.EmitDirect(node, op, irAttributes, inputCount: 1);
    };

    public static void Gelu(OnnxNode node, int opset, ImportContext context)
        => context.EmitDirect(node, "Gelu", IrAttributes.Empty.With("approximate", node.Attributes.String("approximate", "none")), inputCount: 1);

    public static void IsInf(OnnxNode node, int opset, ImportContext context)
    {
        var attributes = IrAttributes.Empty
            .With("detect_positive", node.Attributes.Int("detect_positive", 1))
            .With("detect_negative", node.Attributes.Int("detect_negative", 1));
        context.EmitDirect(node, "IsInf", attributes, inputCount: 1);
    }

    public static void Mod(OnnxNode node, int opset, ImportContext context)
        => context.EmitDirect(node, "Mod", IrAttributes.Empty.With("fmod", node.Attributes.Int("fmod", 0)), inputCount: 2);

    /// <summary>BitShift: <c>direction</c> has no default in ONNX and must be LEFT or RIGHT.</summary>
    public static void BitShift(OnnxNode node, int opset, ImportContext context)
    {
        var direction = node.Attributes.String("direction", "");
        if (direction is not ("LEFT" or "RIGHT"))
        {
            throw context.Error(node, $"direction must be LEFT or RIGHT, got '{direction}'");
        }
        context.EmitDirect(node, "BitShift", IrAttributes.Empty.With("direction", direction), inputCount: 2);
    }

    /// <summary>
    /// PRelu: a per-channel slope of shape [C] that does not broadcast NumPy-style (older exporters relied on the
    /// pre-opset-7 channel semantics) is reshaped to [C, 1, …] so that it broadcasts along axis 1.
    /// </summary>
    public static void PRelu(OnnxNode node, int opset, ImportContext context)
    {
        var x = context.InputShape(node, 0);
        var slope = context.Input(node, 1);
        var slopeShape = context.Builder.Types[slope].Shape;
        if (Abstractions.Ops.ShapeMath.Broadcast(x, slopeShape) != x && slopeShape.Rank == 1 && x.Rank >= 2 && slopeShape[0] == x[1])
        {
            string aligned = context.Temp(node, "slope");
            var dims = new long[x.Rank - 1];
            Array.Fill(dims, 1L);
            dims[0] = x[1];
            context.Emit(node, "Reshape", [slope], [aligned], IrAttributes.Empty.With("shape", dims), part: "slope");
            slope = aligned;
        }
        context.Emit(node, "PRelu", [context.Input(node, 0), slope], [context.FirstOutput(node)], IrAttributes.Empty);
    }

    public static void Where(OnnxNode node, int opset, ImportContext context)
        => context.EmitDirect(node, "Where", IrAttributes.Empty, inputCount: 3);

    /// <summary>Max, Min and Sum take any number of inputs: a left-to-right chain of binary nodes (one input is a copy).</summary>
    public static OpImporter Variadic(string op) => (node, opset, context) => Chain(node, context, op, context.FirstOutput(node));

    /// <summary>Mean is Sum followed by a division by the input count.</summary>
    public static void Mean(OnnxNode node, int opset, ImportContext context)
    {
        string sum = context.Temp(node, "sum");
        Chain(node, context, "Add", sum);
        var type = context.Builder.Types[sum];
        string count = context.Temp(node, "count");
        context.Builder.AddConstant(count, TensorData.FromFloats(Shape.Scalar, [node.Inputs.Count]));
        if (type.ElementType != DataType.Float32)
        {
            throw context.Unsupported(node, $"element type {type.ElementType.Name()}");
        }
        context.Emit(node, "Div", [sum, count], [context.FirstOutput(node)], IrAttributes.Empty, part: "mean");
    }

    private static void Chain(OnnxNode node, ImportContext context, string op, string output)
    {
        if (node.Inputs.Count == 0)
        {
            throw context.Error(node, "has no inputs");
        }
        string acc = context.Input(node, 0);
        if (node.Inputs.Count == 1)
        {
            var shape = context.Builder.Types[acc].Shape;
            context.Emit(node, "Reshape", [acc], [output], IrAttributes.Empty.With("shape", shape.Dims), part: "copy");
            return;
        }
        for (int i = 1; i < node.Inputs.Count; i++)
        {
            string target = i == node.Inputs.Count - 1 ? output : context.Temp(node, $"{op}{i}");
            context.Emit(node, op, [acc, context.Input(node, i)], [target], IrAttributes.Empty, part: i == node.Inputs.Count - 1 ? null : $"{op}{i}");
            acc = target;
        }
    }
}
