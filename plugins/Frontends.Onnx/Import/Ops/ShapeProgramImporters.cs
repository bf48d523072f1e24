using WasmGraph.Abstractions.Ir;
using WasmGraph.Onnx;
using WasmGraph.Abstractions.Ops;
using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>
/// The ops exporters use to compute shapes. Because every shape in the IR is static, Shape and Size are constants,
/// and ConstantOfShape and Range (whose inputs are then constants too) are evaluated here; the rest of a shape program
/// (Gather, Concat, Cast, arithmetic…) folds through the op evaluators as it is imported.
/// </summary>
internal static class ShapeProgramImporters
{
    /// <summary>Shape, with the opset-15 start/end window.</summary>
    public static void Shape(OnnxNode node, int opset, ImportContext context)
    {
        var dims = context.InputShape(node, 0).Dims;
        int rank = dims.Length;
        long start = Clamp(node.Attributes.Int("start", 0), rank);
        long end = Clamp(node.Attributes.Int("end", rank), rank);
        var window = dims.Skip((int)start).Take((int)Math.Max(0, end - start)).ToArray();
        context.AddConstant(node, context.FirstOutput(node), TensorData.FromInt64s(new Shape(window.Length), window));
    }

    public static void Size(OnnxNode node, int opset, ImportContext context)
        => context.AddConstant(node, context.FirstOutput(node), TensorData.FromInt64s(Abstractions.Ir.Shape.Scalar, [context.InputType(node, 0).ElementCount]));

    public static void ConstantOfShape(OnnxNode node, int opset, ImportContext context)
    {
        var shape = new Shape(context.Constant(node, 0, "shape").ToInt64Array());
        var value = node.Attributes.Tensor("value") is { } proto
            ? OnnxTensors.ToTensorData(proto, $"ConstantOfShape '{node.Name}' value", context.File)
            : TensorData.FromFloats(Abstractions.Ir.Shape.Scalar, [0f]);
        if (value.Type.ElementCount != 1)
        {
            throw context.Error(node, $"value must hold one element, got {value.Type}");
        }
        var element = value.Bytes.ToArray();
        var bytes = new byte[checked(shape.ElementCount * element.Length)];
        for (long i = 0; i < shape.ElementCount; i++)
        {
            element.CopyTo(bytes, i * element.Length);
        }
        context.AddConstant(node, context.FirstOutput(node), new TensorData(new TensorType(value.Type.ElementType, shape), bytes));
    }

    /// <summary>Range: ceil((limit - start) / delta) elements, in the type of start.</summary>
    public static void Range(OnnxNode node, int opset, ImportContext context)
    {
        var start = context.Constant(node, 0, "start");
        var limit = context.Constant(node, 1, "limit");
        var delta = context.Constant(node, 2, "delta");
        var type = start.Type.ElementType;
        TensorData result;
        if (ConstantMath.IsFloat(type))
        {
            double s = ConstantMath.Doubles(start)[0], l = ConstantMath.Doubles(limit)[0], d = ConstantMath.Doubles(delta)[0];
            long n = Math.Max(0, (long)Math.Ceiling((l - s) / d));
            result = ConstantMath.FromDoubles(type, new Shape(n), Enumerable.Range(0, (int)n).Select(i => s + i * d).ToArray());
        }
        else
        {
            long s = start.ToInt64Array()[0], l = limit.ToInt64Array()[0], d = delta.ToInt64Array()[0];
            if (d == 0)
            {
                throw context.Error(node, "delta is 0");
            }
            long n = Math.Max(0, (long)Math.Ceiling((double)(l - s) / d));
            result = ConstantMath.FromLongs(type, new Shape(n), Enumerable.Range(0, (int)n).Select(i => s + i * d).ToArray());
        }
        context.AddConstant(node, context.FirstOutput(node), result);
    }

    public static void Cast(OnnxNode node, int opset, ImportContext context)
        => EmitCast(node, context, (int)node.Attributes.Int("to"));

    public static void CastLike(OnnxNode node, int opset, ImportContext context)
        => EmitCast(node, context, (int)context.InputType(node, 1).ElementType);

    private static void EmitCast(OnnxNode node, ImportContext context, int onnxType)
    {
        if (!DataTypes.IsDefined(onnxType))
        {
            throw context.Unsupported(node, $"cast to ONNX element type {onnxType}");
        }
        context.Emit(node, "Cast", [context.Input(node, 0)], [context.FirstOutput(node)], IrAttributes.Empty.With("to", (long)onnxType));
    }

    private static long Clamp(long axis, int rank) => Math.Clamp(axis < 0 ? axis + rank : axis, 0, rank);
}
