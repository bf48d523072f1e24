using System.Collections.Frozen;
using WasmGraph.Frontends.Onnx.Import.Ops;

namespace WasmGraph.Frontends.Onnx.Import;

/// <summary>Imports one ONNX node of the default domain at the model's opset, emitting canonical IR through the context.</summary>
internal delegate void OpImporter(OnnxNode node, int opset, ImportContext context);

/// <summary>
/// The one table from ONNX op type to import function. Adding an op means adding a line here and a small function
/// next to its family; there is no other place that switches on op names.
/// </summary>
internal static class OpImportTable
{
    public static FrozenDictionary<string, OpImporter> Importers { get; } = new Dictionary<string, OpImporter>
    {
        ["Conv"] = WindowImporters.Conv,
        ["MaxPool"] = WindowImporters.MaxPool,
        ["AveragePool"] = WindowImporters.AveragePool,
        ["GlobalAveragePool"] = WindowImporters.GlobalAveragePool,

        ["Relu"] = ElementwiseImporters.Relu,
        ["Sigmoid"] = ElementwiseImporters.Sigmoid,
        ["Clip"] = ElementwiseImporters.Clip,
        ["Add"] = ElementwiseImporters.Binary("Add"),
        ["Sub"] = ElementwiseImporters.Binary("Sub"),
        ["Mul"] = ElementwiseImporters.Binary("Mul"),
        ["Div"] = ElementwiseImporters.Binary("Div"),
        ["BatchNormalization"] = ElementwiseImporters.BatchNormalization,

        ["Gemm"] = LinearAlgebraImporters.Gemm,
        ["MatMul"] = LinearAlgebraImporters.MatMul,
        ["Softmax"] = LinearAlgebraImporters.Softmax,

        ["Reshape"] = ReshapeImporters.Reshape,
        ["Flatten"] = ReshapeImporters.Flatten,
        ["Squeeze"] = ReshapeImporters.Squeeze,
        ["Unsqueeze"] = ReshapeImporters.Unsqueeze,

        ["Transpose"] = DataMovementImporters.Transpose,
        ["Concat"] = DataMovementImporters.Concat,
        ["Split"] = DataMovementImporters.Split,

        ["Constant"] = ValueImporters.Constant,
        ["Identity"] = ValueImporters.Identity,
        ["Dropout"] = ValueImporters.Dropout,
    }.ToFrozenDictionary(StringComparer.Ordinal);
}
