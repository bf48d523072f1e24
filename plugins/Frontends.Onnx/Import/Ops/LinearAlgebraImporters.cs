using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>Gemm, MatMul and Softmax.</summary>
internal static class LinearAlgebraImporters
{
    /// <summary>
    /// Gemm with every default explicit. The opset &lt; 7 <c>broadcast</c> attribute needs no translation: C was
    /// either already [M, N] or broadcast unidirectionally, which is the later meaning.
    /// </summary>
    public static void Gemm(OnnxNode node, int opset, ImportContext context)
    {
        var attributes = IrAttributes.Empty
            .With("alpha", node.Attributes.Float("alpha", 1f))
            .With("beta", node.Attributes.Float("beta", 1f))
            .With("transA", node.Attributes.Int("transA", 0))
            .With("transB", node.Attributes.Int("transB", 0));
        context.EmitDirect(node, "Gemm", attributes, inputCount: 3);
    }

    public static void MatMul(OnnxNode node, int opset, ImportContext context)
        => context.EmitDirect(node, "MatMul", IrAttributes.Empty, inputCount: 2);

    /// <summary>
    /// The canonical Softmax normalises one axis (opset-13 meaning). Before opset 13, Softmax flattened the input to
    /// [prod(dims before axis), prod(dims from axis)] and normalised the rows; on a non-last axis that is imported as
    /// Reshape → Softmax(axis 1) → Reshape.
    /// </summary>
    public static void Softmax(OnnxNode node, int opset, ImportContext context)
    {
        var input = context.InputShape(node, 0);
        int rank = input.Rank;
        long requested = node.Attributes.Int("axis", opset < 13 ? 1 : -1);
        long axis = requested < 0 ? requested + rank : requested;
        if (axis < 0 || axis >= Math.Max(rank, 1))
        {
            throw context.Error(node, $"axis {requested} is out of range for {input}");
        }
        string output = context.FirstOutput(node);
        if (opset >= 13 || axis >= rank - 1)
        {
            context.Emit(node, "Softmax", [context.Input(node, 0)], [output], IrAttributes.Empty.With("axis", axis));
            return;
        }
        long rows = input.Dims.Take((int)axis).Aggregate(1L, (a, b) => checked(a * b));
        long columns = input.Dims.Skip((int)axis).Aggregate(1L, (a, b) => checked(a * b));
        string flat = context.Temp(node, "flat");
        string normalised = context.Temp(node, "softmax");
        context.Emit(node, "Reshape", [context.Input(node, 0)], [flat], IrAttributes.Empty.With("shape", [rows, columns]), part: "flatten");
        context.Emit(node, "Softmax", [flat], [normalised], IrAttributes.Empty.With("axis", 1L));
        context.Emit(node, "Reshape", [normalised], [output], IrAttributes.Empty.With("shape", input.Dims), part: "restore");
    }
}
