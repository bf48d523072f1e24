using WasmGraph.Abstractions.Ir;
using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>
/// GatherElements, Scatter/ScatterElements, CumSum, Hardmax and the two losses. Axes are normalised here; CumSum's
/// axis input may be a run-time value; SoftmaxCrossEntropyLoss becomes LogSoftmax along the class axis followed by
/// NegativeLogLikelihoodLoss, exactly the ONNX function body, so both losses share one kernel.
/// </summary>
internal static class SelectionImporters
{
    /// <summary>ignore_index when the model sets none: a value no int32 or int64 class index can take.</summary>
    public const long NoIgnoreIndex = long.MinValue;

    public static void GatherElements(OnnxNode node, int opset, ImportContext context)
    {
        int rank = context.InputShape(node, 0).Rank;
        long axis = IndexingImporters.Axis(node, context, node.Attributes.Int("axis", 0), rank);
        context.EmitDirect(node, "GatherElements", IrAttributes.Empty.With("axis", axis), inputCount: 2);
    }

    /// <summary>Scatter (deprecated) and ScatterElements; the reduction attribute exists from opset 16.</summary>
    public static void ScatterElements(OnnxNode node, int opset, ImportContext context)
    {
        int rank = context.InputShape(node, 0).Rank;
        long axis = IndexingImporters.Axis(node, context, node.Attributes.Int("axis", 0), rank);
        var reduction = node.Attributes.String("reduction", "none");
        context.EmitDirect(node, "ScatterElements", IrAttributes.Empty.With("axis", axis).With("reduction", reduction), inputCount: 3);
    }

    /// <summary>
    /// CumSum along a known axis is one kernel. The axis changes values, not the shape, so it may also be a run-time
    /// value: then every axis is summed and the one asked for is selected at run time (Where on axis == a, with a
    /// negative axis counted from the end), at rank times the work; an axis out of range selects the last sum.
    /// </summary>
    public static void CumSum(OnnxNode node, int opset, ImportContext context)
    {
        int rank = context.InputShape(node, 0).Rank;
        IrAttributes AlongAxis(long axis) => IrAttributes.Empty.With("axis", axis)
            .With("exclusive", node.Attributes.Int("exclusive", 0))
            .With("reverse", node.Attributes.Int("reverse", 0));
        if (!node.HasInput(1) || context.TryConstant(node, 1) is not null)
        {
            long axis = IndexingImporters.Axis(node, context, context.Constant(node, 1, "axis").ToInt64Array()[0], rank);
            context.Emit(node, "CumSum", [context.Input(node, 0)], [context.FirstOutput(node)], AlongAxis(axis));
            return;
        }
        var d = new Decomposer(node, context);
        string x = context.Input(node, 0);
        var axisType = context.InputType(node, 1).ElementType;
        string requested = d.Reshape(context.Input(node, 1), []);
        string fromEnd = d.Add(requested, d.Scalar(rank, axisType));
        string normalized = d.Op("Where", [d.Op("Less", [requested, d.Scalar(0, axisType)]), fromEnd, requested]);
        string selected = d.Op("CumSum", [x], AlongAxis(rank - 1));
        for (long axis = rank - 2; axis >= 0; axis--)
        {
            string along = d.Op("CumSum", [x], AlongAxis(axis));
            selected = d.Op("Where", [d.Op("Equal", [normalized, d.Scalar(axis, axisType)]), along, selected]);
        }
        d.Bind(selected, context.FirstOutput(node));
    }

    /// <summary>As Softmax: one axis from opset 13; before that, the input is flattened to 2-D from the axis on.</summary>
    public static void Hardmax(OnnxNode node, int opset, ImportContext context)
    {
        var input = context.InputShape(node, 0);
        int rank = input.Rank;
        long axis = IndexingImporters.Axis(node, context, node.Attributes.Int("axis", opset < 13 ? 1 : -1), Math.Max(rank, 1));
        string output = context.FirstOutput(node);
        if (opset >= 13 || axis >= rank - 1)
        {
            context.Emit(node, "Hardmax", [context.Input(node, 0)], [output], IrAttributes.Empty.With("axis", axis));
            return;
        }
        long rows = input.Dims.Take((int)axis).Aggregate(1L, (a, b) => checked(a * b));
        long columns = input.Dims.Skip((int)axis).Aggregate(1L, (a, b) => checked(a * b));
        string flat = context.Temp(node, "flat");
        string hard = context.Temp(node, "hardmax");
        context.Emit(node, "Reshape", [context.Input(node, 0)], [flat], IrAttributes.Empty.With("shape", [rows, columns]), part: "flatten");
        context.Emit(node, "Hardmax", [flat], [hard], IrAttributes.Empty.With("axis", 1L));
        context.Emit(node, "Reshape", [hard], [output], IrAttributes.Empty.With("shape", input.Dims), part: "restore");
    }

    /// <summary>OneHot: depth is a constant input (any numeric type); the axis counts in the output's rank.</summary>
    public static void OneHot(OnnxNode node, int opset, ImportContext context)
    {
        int rank = context.InputShape(node, 0).Rank + 1;
        long axis = IndexingImporters.Axis(node, context, node.Attributes.Int("axis", -1), rank);
        var depthData = context.Constant(node, 1, "depth");
        long depth = depthData.Type.ElementType is DataType.Float32 or DataType.Float64
            ? (long)depthData.ToFloatArray()[0]
            : depthData.ToInt64Array()[0];
        var attributes = IrAttributes.Empty.With("axis", axis).With("depth", depth);
        context.Emit(node, "OneHot", [context.Input(node, 0), context.Input(node, 2)], [context.FirstOutput(node)], attributes);
    }

    /// <summary>
    /// TopK: k is an attribute before opset 10 and a constant input after. Outputs are always sorted: with sorted=0 the
    /// order is implementation-defined, and sorted is one valid answer.
    /// </summary>
    public static void TopK(OnnxNode node, int opset, ImportContext context)
    {
        int rank = context.InputShape(node, 0).Rank;
        long k = opset < 10 ? node.Attributes.Int("k") : context.Constant(node, 1, "K").ToInt64Array()[0];
        var attributes = IrAttributes.Empty
            .With("axis", IndexingImporters.Axis(node, context, node.Attributes.Int("axis", -1), rank))
            .With("k", k)
            .With("largest", node.Attributes.Int("largest", 1));
        var outputs = new[] { 0, 1 }.Select(i => node.HasOutput(i) ? node.Outputs[i] : context.Temp(node, $"output{i}")).ToList();
        context.Emit(node, "TopK", [context.Input(node, 0)], outputs, attributes);
    }

    /// <summary>DequantizeLinear / QuantizeLinear: the axis (default 1) only matters for a per-axis scale; otherwise it is 0.</summary>
    public static OpImporter Quantization(string op) => (node, opset, context) =>
    {
        int rank = Math.Max(context.InputShape(node, 0).Rank, 1);
        bool perAxis = context.InputType(node, 1).ElementCount > 1;
        long axis = perAxis ? IndexingImporters.Axis(node, context, node.Attributes.Int("axis", 1), rank) : 0;
        context.EmitDirect(node, op, IrAttributes.Empty.With("axis", axis), inputCount: 3);
    };

    public static void NegativeLogLikelihoodLoss(OnnxNode node, int opset, ImportContext context)
    {
        var inputs = Enumerable.Range(0, 3).Where(node.HasInput).Select(i => context.Input(node, i)).ToList();
        if (!node.HasInput(1))
        {
            throw context.Error(node, "input 'target' is required");
        }
        context.Emit(node, "NegativeLogLikelihoodLoss", inputs, [context.FirstOutput(node)], LossAttributes(node));
    }

    /// <summary>loss = NLL(LogSoftmax(scores, axis 1), labels, weights); the optional second output is the log-probability.</summary>
    public static void SoftmaxCrossEntropyLoss(OnnxNode node, int opset, ImportContext context)
    {
        if (context.InputShape(node, 0).Rank < 2)
        {
            throw context.Error(node, "scores must have rank ≥ 2 ([N, C, d…])");
        }
        string logProb = node.HasOutput(1) ? node.Outputs[1] : context.Temp(node, "log_prob");
        context.Emit(node, "LogSoftmax", [context.Input(node, 0)], [logProb], IrAttributes.Empty.With("axis", 1L), part: "log_softmax");
        var inputs = new List<string> { logProb, context.Input(node, 1) };
        if (node.HasInput(2))
        {
            inputs.Add(context.Input(node, 2));
        }
        context.Emit(node, "NegativeLogLikelihoodLoss", inputs, [context.FirstOutput(node)], LossAttributes(node));
    }

    private static IrAttributes LossAttributes(OnnxNode node)
        => IrAttributes.Empty
            .With("reduction", node.Attributes.String("reduction", "mean"))
            .With("ignore_index", node.Attributes.Int("ignore_index", NoIgnoreIndex));
}
