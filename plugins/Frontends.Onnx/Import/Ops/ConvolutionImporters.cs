using WasmGraph.Abstractions.Ir;
using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>Conv of <c>Definitions/Convolution.cs</c>, and the canonical Conv attributes the quantized Conv forms share.</summary>
internal static class ConvolutionImporters
{
    /// <summary>Conv; weights known only at run time take the non-packed path (<see cref="RunTimeWeightConv"/>).</summary>
    public static void Conv(OnnxNode node, int opset, ImportContext context)
    {
        var attributes = ConvAttributes(node, context, context.InputShape(node, 0), context.InputShape(node, 1));
        if (context.TryConstant(node, 1) is null && context.InputType(node, 0).ElementType == DataType.Float32
            && !QuantizedImporters.IsDequantizedConstant(context, context.Input(node, 1)))
        {
            var d = new Decomposer(node, context);
            string? bias = node.HasInput(2) ? context.Input(node, 2) : null;
            RunTimeWeightConv.Emit(d, node, context, context.Input(node, 0), context.Input(node, 1), bias, attributes, context.FirstOutput(node));
            return;
        }
        context.EmitDirect(node, "Conv", attributes, inputCount: 3);
    }

    /// <summary>The canonical Conv attributes of a Conv-like node (also ConvInteger and QLinearConv) on input x and weight w.</summary>
    public static IrAttributes ConvAttributes(OnnxNode node, ImportContext context, Shape x, Shape w)
    {
        if (x.Rank < 3 || w.Rank != x.Rank)
        {
            throw context.Error(node, $"needs an input of rank ≥ 3 and a weight of the same rank, got {x} and {w}");
        }
        var kernel = node.Attributes.Ints("kernel_shape") ?? WindowAttributes.SpatialDims(w);
        var window = WindowAttributes.Resolve(node, context, kernel, WindowAttributes.SpatialDims(x));
        return IrAttributes.Empty
            .With("kernel_shape", window.Kernel)
            .With("strides", window.Strides)
            .With("dilations", window.Dilations)
            .With("pads", window.Pads)
            .With("group", node.Attributes.Int("group", 1));
    }
}
