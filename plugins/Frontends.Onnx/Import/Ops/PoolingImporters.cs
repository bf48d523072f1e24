using WasmGraph.Abstractions.Ir;
using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>
/// The pooling ops of <c>Definitions/Pooling.cs</c> (lowered by <c>PoolingKernels</c>); their windows are resolved like
/// Conv's (<see cref="WindowAttributes"/>).
/// </summary>
internal static class PoolingImporters
{
    /// <summary>MaxPool; the Indices output is kept (with storage_order) only when something reads it.</summary>
    public static void MaxPool(OnnxNode node, int opset, ImportContext context)
    {
        context.RefuseUsedOutputs(node, 2, "extra output");
        bool withIndices = node.HasOutput(1) && context.IsUsed(node.Outputs[1]);
        var window = PoolWindow(node, context);
        var attributes = IrAttributes.Empty
            .With("kernel_shape", window.Kernel)
            .With("strides", window.Strides)
            .With("dilations", window.Dilations)
            .With("pads", window.Pads)
            .With("ceil_mode", node.Attributes.Int("ceil_mode", 0));
        if (!withIndices)
        {
            context.EmitDirect(node, "MaxPool", attributes, inputCount: 1);
            return;
        }
        attributes = attributes.With("storage_order", node.Attributes.Int("storage_order", 0));
        var values = node.HasOutput(0) ? node.Outputs[0] : context.Temp(node, "values");
        context.Emit(node, "MaxPool", [context.Input(node, 0)], [values, node.Outputs[1]], attributes);
    }

    /// <summary>
    /// MaxUnpool: the output shape is the output_shape input (a constant) or, without it, the inverse of the pooling
    /// window, (in − 1)·stride + kernel − pads, per spatial axis.
    /// </summary>
    public static void MaxUnpool(OnnxNode node, int opset, ImportContext context)
    {
        var x = context.InputShape(node, 0);
        int k = x.Rank - 2;
        if (k < 1)
        {
            throw context.Error(node, $"needs an input of rank ≥ 3 (N, C, spatial…), got {x}");
        }
        var kernel = node.Attributes.Ints("kernel_shape") ?? throw context.Error(node, "required attribute 'kernel_shape' is missing");
        var strides = node.Attributes.Ints("strides") ?? Enumerable.Repeat(1L, k).ToArray();
        var pads = node.Attributes.Ints("pads") ?? new long[2 * k];
        if (kernel.Length != k || strides.Length != k || pads.Length != 2 * k)
        {
            throw context.Error(node, $"kernel_shape and strides need {k} values and pads {2 * k}");
        }
        var outputShape = context.OptionalParameter(node, 2, "output_shape")?.ToInt64Array()
            ?? [x[0], x[1], .. Enumerable.Range(0, k).Select(i => (x[i + 2] - 1) * strides[i] + kernel[i] - pads[i] - pads[i + k])];
        var attributes = IrAttributes.Empty
            .With("kernel_shape", kernel)
            .With("strides", strides)
            .With("pads", pads)
            .With("output_shape", outputShape);
        context.Emit(node, "MaxUnpool", [context.Input(node, 0), context.Input(node, 1)], [context.FirstOutput(node)], attributes);
    }

    public static void AveragePool(OnnxNode node, int opset, ImportContext context)
    {
        var window = PoolWindow(node, context);
        if (window.Dilations.Any(d => d != 1))
        {
            throw context.Unsupported(node, "dilations other than 1");
        }
        var attributes = IrAttributes.Empty
            .With("kernel_shape", window.Kernel)
            .With("strides", window.Strides)
            .With("pads", window.Pads)
            .With("ceil_mode", node.Attributes.Int("ceil_mode", 0))
            .With("count_include_pad", node.Attributes.Int("count_include_pad", 0));
        context.EmitDirect(node, "AveragePool", attributes, inputCount: 1);
    }

    public static void GlobalAveragePool(OnnxNode node, int opset, ImportContext context)
        => context.EmitDirect(node, "GlobalAveragePool", IrAttributes.Empty, inputCount: 1);

    private static WindowAttributes PoolWindow(OnnxNode node, ImportContext context)
    {
        var x = context.InputShape(node, 0);
        if (x.Rank < 3)
        {
            throw context.Error(node, $"needs an input of rank ≥ 3 (N, C, spatial…), got {x}");
        }
        var kernel = node.Attributes.Ints("kernel_shape") ?? throw context.Error(node, "required attribute 'kernel_shape' is missing");
        return WindowAttributes.Resolve(node, context, kernel, WindowAttributes.SpatialDims(x));
    }
}
