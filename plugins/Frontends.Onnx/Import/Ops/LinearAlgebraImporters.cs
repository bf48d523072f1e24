using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>Gemm and MatMul (Det is a one-line entry in <see cref="OpImportTable"/>).</summary>
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
}
