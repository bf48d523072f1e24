using System.Collections.Frozen;
using WasmGraph.Frontends.Onnx.Import.Ops;
using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import;

/// <summary>Imports one ONNX node at its domain's opset, emitting canonical IR through the context.</summary>
internal delegate void OpImporter(OnnxNode node, int opset, ImportContext context);

/// <summary>
/// The one table from ONNX op type to import function. Adding an op means adding a line here and a small function
/// next to its family; there is no other place that switches on op names.
/// </summary>
internal static class OpImportTable
{
    public static FrozenDictionary<string, OpImporter> Importers { get; } = new Dictionary<string, OpImporter>
    {
        ["Conv"] = ConvolutionImporters.Conv,
        ["MaxPool"] = PoolingImporters.MaxPool,
        ["AveragePool"] = PoolingImporters.AveragePool,
        ["GlobalAveragePool"] = PoolingImporters.GlobalAveragePool,
        ["MaxUnpool"] = PoolingImporters.MaxUnpool,

        ["Relu"] = ElementwiseImporters.Relu,
        ["Sigmoid"] = ElementwiseImporters.Sigmoid,
        ["Clip"] = ElementwiseImporters.Clip,
        ["Add"] = ElementwiseImporters.Binary("Add"),
        ["Sub"] = ElementwiseImporters.Binary("Sub"),
        ["Mul"] = ElementwiseImporters.Binary("Mul"),
        ["Div"] = ElementwiseImporters.Binary("Div"),

        ["BatchNormalization"] = NormalizationImporters.BatchNormalization,
        ["InstanceNormalization"] = NormalizationImporters.InstanceNormalization,
        ["LRN"] = NormalizationImporters.Lrn,
        ["Softmax"] = NormalizationImporters.Softmax,

        ["Gemm"] = LinearAlgebraImporters.Gemm,
        ["MatMul"] = LinearAlgebraImporters.MatMul,
        ["Einsum"] = EinsumImporter.Einsum,
        ["Det"] = (node, opset, context) => context.EmitDirect(node, "Det", IrAttributes.Empty, inputCount: 1),

        ["Reshape"] = ReshapeImporters.Reshape,
        ["Flatten"] = ReshapeImporters.Flatten,
        ["Squeeze"] = ReshapeImporters.Squeeze,
        ["Unsqueeze"] = ReshapeImporters.Unsqueeze,

        ["Transpose"] = DataMovementImporters.Transpose,
        ["Concat"] = DataMovementImporters.Concat,
        ["Split"] = DataMovementImporters.Split,

        ["Shape"] = ShapeProgramImporters.Shape,
        ["Size"] = ShapeProgramImporters.Size,
        ["ConstantOfShape"] = ShapeProgramImporters.ConstantOfShape,
        ["Range"] = ShapeProgramImporters.Range,
        ["Cast"] = ShapeProgramImporters.Cast,
        ["CastLike"] = ShapeProgramImporters.CastLike,

        ["Gather"] = IndexingImporters.Gather,
        ["Slice"] = IndexingImporters.Slice,
        ["Expand"] = IndexingImporters.Expand,
        ["Tile"] = IndexingImporters.Tile,
        ["Pad"] = IndexingImporters.Pad,
        ["Trilu"] = IndexingImporters.Trilu,
        ["DepthToSpace"] = IndexingImporters.DepthToSpace,
        ["SpaceToDepth"] = IndexingImporters.SpaceToDepth,

        ["Abs"] = MathImporters.Unary("Abs"), ["Neg"] = MathImporters.Unary("Neg"), ["Sign"] = MathImporters.Unary("Sign"),
        ["Exp"] = MathImporters.Unary("Exp"), ["Log"] = MathImporters.Unary("Log"), ["Sqrt"] = MathImporters.Unary("Sqrt"),
        ["Reciprocal"] = MathImporters.Unary("Reciprocal"), ["Floor"] = MathImporters.Unary("Floor"), ["Ceil"] = MathImporters.Unary("Ceil"),
        ["Round"] = MathImporters.Unary("Round"), ["Tanh"] = MathImporters.Unary("Tanh"), ["Erf"] = MathImporters.Unary("Erf"),
        ["Sin"] = MathImporters.Unary("Sin"), ["Cos"] = MathImporters.Unary("Cos"), ["Tan"] = MathImporters.Unary("Tan"),
        ["Asin"] = MathImporters.Unary("Asin"), ["Acos"] = MathImporters.Unary("Acos"), ["Atan"] = MathImporters.Unary("Atan"),
        ["Sinh"] = MathImporters.Unary("Sinh"), ["Cosh"] = MathImporters.Unary("Cosh"), ["Asinh"] = MathImporters.Unary("Asinh"),
        ["Acosh"] = MathImporters.Unary("Acosh"), ["Atanh"] = MathImporters.Unary("Atanh"), ["Softplus"] = MathImporters.Unary("Softplus"),
        ["Softsign"] = MathImporters.Unary("Softsign"), ["Mish"] = MathImporters.Unary("Mish"), ["HardSwish"] = MathImporters.Unary("HardSwish"),
        ["Not"] = MathImporters.Unary("Not"), ["IsNaN"] = MathImporters.Unary("IsNaN"), ["IsInf"] = MathImporters.IsInf,
        ["LeakyRelu"] = MathImporters.Unary("LeakyRelu", ("alpha", 0.01f)),
        ["ThresholdedRelu"] = MathImporters.Unary("ThresholdedRelu", ("alpha", 1f)),
        ["HardSigmoid"] = MathImporters.Unary("HardSigmoid", ("alpha", 0.2f), ("beta", 0.5f)),
        ["Elu"] = MathImporters.Unary("Elu", ("alpha", 1f)),
        ["Celu"] = MathImporters.Unary("Celu", ("alpha", 1f)),
        ["Selu"] = MathImporters.Unary("Selu", ("alpha", 1.67326319217681884765625f), ("gamma", 1.05070102214813232421875f)),
        ["Shrink"] = MathImporters.Unary("Shrink", ("bias", 0f), ("lambd", 0.5f)),
        ["Gelu"] = MathImporters.Gelu,

        ["Pow"] = ElementwiseImporters.Binary("Pow"),
        ["PRelu"] = MathImporters.PRelu,
        ["Mod"] = MathImporters.Mod,
        ["BitShift"] = MathImporters.BitShift,
        ["Equal"] = ElementwiseImporters.Binary("Equal"), ["Less"] = ElementwiseImporters.Binary("Less"),
        ["Greater"] = ElementwiseImporters.Binary("Greater"), ["LessOrEqual"] = ElementwiseImporters.Binary("LessOrEqual"),
        ["GreaterOrEqual"] = ElementwiseImporters.Binary("GreaterOrEqual"),
        ["And"] = ElementwiseImporters.Binary("And"), ["Or"] = ElementwiseImporters.Binary("Or"), ["Xor"] = ElementwiseImporters.Binary("Xor"),
        ["Where"] = MathImporters.Where,
        ["Max"] = MathImporters.Variadic("Max"), ["Min"] = MathImporters.Variadic("Min"), ["Sum"] = MathImporters.Variadic("Add"),
        ["Mean"] = MathImporters.Mean,

        ["ReduceSum"] = ReductionImporters.Reduce("ReduceSum"), ["ReduceMean"] = ReductionImporters.Reduce("ReduceMean"),
        ["ReduceMax"] = ReductionImporters.Reduce("ReduceMax"), ["ReduceMin"] = ReductionImporters.Reduce("ReduceMin"),
        ["ReduceProd"] = ReductionImporters.Reduce("ReduceProd"), ["ReduceL1"] = ReductionImporters.Reduce("ReduceL1"),
        ["ReduceL2"] = ReductionImporters.Reduce("ReduceL2"), ["ReduceSumSquare"] = ReductionImporters.Reduce("ReduceSumSquare"),
        ["ReduceLogSum"] = ReductionImporters.Reduce("ReduceLogSum"), ["ReduceLogSumExp"] = ReductionImporters.Reduce("ReduceLogSumExp"),
        ["ArgMax"] = ReductionImporters.Arg("ArgMax"), ["ArgMin"] = ReductionImporters.Arg("ArgMin"),
        ["GlobalMaxPool"] = ReductionImporters.GlobalMaxPool,
        ["LogSoftmax"] = ReductionImporters.LogSoftmax,
        ["LayerNormalization"] = ReductionImporters.LayerNormalization,

        ["Resize"] = ResamplingImporters.Resize,
        ["Upsample"] = ResamplingImporters.Upsample,
        ["ConvTranspose"] = ResamplingImporters.ConvTranspose,
        ["GridSample"] = ResamplingImporters.GridSample,
        ["RoiAlign"] = ResamplingImporters.RoiAlign,
        ["TfIdfVectorizer"] = TextImporters.TfIdfVectorizer,
        ["DFT"] = SpectralImporters.Dft,
        ["STFT"] = SpectralImporters.Stft,

        ["GatherElements"] = SelectionImporters.GatherElements,
        ["Scatter"] = SelectionImporters.ScatterElements, ["ScatterElements"] = SelectionImporters.ScatterElements,
        ["CumSum"] = SelectionImporters.CumSum,
        ["ReverseSequence"] = (node, opset, context) => context.EmitDirect(node, "ReverseSequence", IrAttributes.Empty
            .With("batch_axis", node.Attributes.Int("batch_axis", 1)).With("time_axis", node.Attributes.Int("time_axis", 0)), inputCount: 2),
        ["DequantizeLinear"] = SelectionImporters.Quantization("DequantizeLinear"),
        ["QuantizeLinear"] = SelectionImporters.Quantization("QuantizeLinear"),
        ["DynamicQuantizeLinear"] = (node, opset, context) => context.Emit(node, "DynamicQuantizeLinear", [context.Input(node, 0)],
            Enumerable.Range(0, 3).Select(i => node.HasOutput(i) ? node.Outputs[i] : context.Temp(node, $"output{i}")), IrAttributes.Empty),
        ["GatherND"] = (node, opset, context) => context.EmitDirect(node, "GatherND",
            IrAttributes.Empty.With("batch_dims", node.Attributes.Int("batch_dims", 0)), inputCount: 2),
        ["ScatterND"] = (node, opset, context) => context.EmitDirect(node, "ScatterND",
            IrAttributes.Empty.With("reduction", node.Attributes.String("reduction", "none")), inputCount: 3),
        ["Hardmax"] = SelectionImporters.Hardmax,
        ["OneHot"] = SelectionImporters.OneHot,
        ["TopK"] = SelectionImporters.TopK,
        ["NonZero"] = DataDependentImporters.NonZero,
        ["NonMaxSuppression"] = DataDependentImporters.NonMaxSuppression,
        ["Unique"] = DataDependentImporters.Unique,
        ["NegativeLogLikelihoodLoss"] = SelectionImporters.NegativeLogLikelihoodLoss,
        ["SoftmaxCrossEntropyLoss"] = SelectionImporters.SoftmaxCrossEntropyLoss,

        ["Constant"] = ValueImporters.Constant,
        ["Identity"] = ValueImporters.Identity,
        ["OptionalHasElement"] = ValueImporters.OptionalHasElement,
        ["OptionalGetElement"] = ValueImporters.OptionalGetElement,
        ["Dropout"] = ValueImporters.Dropout,
        ["EyeLike"] = ValueImporters.EyeLike,

        ["RNN"] = RecurrentImporters.Rnn,
        ["GRU"] = RecurrentImporters.Gru,
        ["LSTM"] = RecurrentImporters.Lstm,

        ["If"] = ControlFlowImporters.If,
        ["Loop"] = ControlFlowImporters.Loop,
        ["Scan"] = ScanImporter.Scan,

        ["MatMulInteger"] = QuantizedImporters.MatMulInteger,
        ["ConvInteger"] = QuantizedImporters.ConvInteger,
        ["QLinearMatMul"] = QuantizedImporters.QLinearMatMul,
        ["QLinearConv"] = QuantizedImporters.QLinearConv,

        ["MeanVarianceNormalization"] = ReductionImporters.MeanVarianceNormalization,
        ["Compress"] = IndexingImporters.Compress,

        ["HannWindow"] = SignalImporters.Window(0.5, 0.5),
        ["HammingWindow"] = SignalImporters.Window(25.0 / 46, 21.0 / 46),
        ["BlackmanWindow"] = SignalImporters.Window(0.42, 0.5, 0.08),
        ["MelWeightMatrix"] = SignalImporters.MelWeightMatrix,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The training-preview domain: optimiser update rules, which are elementwise maths on static shapes.</summary>
    public const string PreviewTrainingDomain = "ai.onnx.preview.training";

    /// <summary>Importers of domains other than the default one, by domain and op type (the node's domain opset is passed).</summary>
    public static FrozenDictionary<string, FrozenDictionary<string, OpImporter>> DomainImporters { get; } = new Dictionary<string, FrozenDictionary<string, OpImporter>>
    {
        [PreviewTrainingDomain] = new Dictionary<string, OpImporter>
        {
            ["Adagrad"] = OptimizerImporters.Adagrad,
            ["Momentum"] = OptimizerImporters.Momentum,
            ["Adam"] = OptimizerImporters.Adam,
        }.ToFrozenDictionary(StringComparer.Ordinal),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The importer of <paramref name="opType"/> in <paramref name="domain"/> ("" or "ai.onnx" for the default domain), if any.</summary>
    public static OpImporter? Find(string domain, string opType, bool isDefaultDomain)
        => isDefaultDomain
            ? Importers.GetValueOrDefault(opType)
            : DomainImporters.TryGetValue(domain, out var table) ? table.GetValueOrDefault(opType) : null;
}
