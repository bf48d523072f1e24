using WasmGraph.Abstractions.Ir;
using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>
/// The normalisation family of <c>Definitions/Normalization.cs</c> (lowered by <c>NormalizationKernels</c>):
/// BatchNormalization, InstanceNormalization, LRN and Softmax.
/// </summary>
internal static class NormalizationImporters
{
    /// <summary>
    /// Inference-mode batch normalisation. Opset &lt; 9 may say <c>spatial=0</c> (per-activation parameters); the
    /// training outputs (running statistics, saved mean/variance) must be unused. The kernel folds its parameters at
    /// compile time; when they are run-time values the node is written as its formula instead,
    /// (x − mean) · scale / √(var + ε) + bias, each parameter broadcast along the channel axis.
    /// </summary>
    public static void BatchNormalization(OnnxNode node, int opset, ImportContext context)
    {
        if (node.Attributes.Int("training_mode", 0) != 0)
        {
            throw context.Unsupported(node, "training_mode=1");
        }
        context.RefuseUsedOutputs(node, 1, "training statistics");
        long spatial = opset < 9 ? node.Attributes.Int("spatial", 1) : 1;
        var attributes = IrAttributes.Empty
            .With("epsilon", node.Attributes.Float("epsilon", 1e-5f))
            .With("spatial", spatial);
        var inputs = Enumerable.Range(0, 5).Select(i => context.Input(node, i));
        bool runTimeParameters = Enumerable.Range(1, 4).Any(i => context.TryConstant(node, i) is null);
        if (runTimeParameters && spatial == 1 && Enumerable.Range(0, 5).All(i => context.InputType(node, i).ElementType == DataType.Float32))
        {
            EmitFormula(node, context, node.Attributes.Float("epsilon", 1e-5f));
            return;
        }
        context.Emit(node, "BatchNormalization", inputs, [context.FirstOutput(node)], attributes);
    }

    private static void EmitFormula(OnnxNode node, ImportContext context, float epsilon)
    {
        var d = new Decomposer(node, context);
        var x = context.InputShape(node, 0);
        var perChannel = Enumerable.Repeat(1L, Math.Max(x.Rank - 1, 1)).ToArray();
        perChannel[0] = x.Rank > 1 ? x[1] : 1;
        string Parameter(int index) => d.Reshape(context.Input(node, index), perChannel);
        string inverse = d.Div(Parameter(1), d.Unary("Sqrt", d.Add(Parameter(4), d.Scalar(epsilon))));
        d.Add(d.Mul(d.Sub(context.Input(node, 0), Parameter(3)), inverse), Parameter(2), context.FirstOutput(node));
    }

    public static void InstanceNormalization(OnnxNode node, int opset, ImportContext context)
        => context.EmitDirect(node, "InstanceNormalization",
            IrAttributes.Empty.With("epsilon", node.Attributes.Float("epsilon", 1e-5f)), inputCount: 3);

    public static void Lrn(OnnxNode node, int opset, ImportContext context)
        => context.EmitDirect(node, "LRN", IrAttributes.Empty
            .With("alpha", node.Attributes.Float("alpha", 1e-4f)).With("beta", node.Attributes.Float("beta", 0.75f))
            .With("bias", node.Attributes.Float("bias", 1f)).With("size", node.Attributes.Int("size")), inputCount: 1);

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
