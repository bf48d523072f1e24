using WasmGraph.Frontends.Onnx.Proto;

namespace WasmGraph.Frontends.Onnx.Import;

/// <summary>
/// An ONNX node as the op importers see it: its display name (the ONNX name, or <c>op_index</c> when empty), its
/// ONNX value names and its attributes. Value names here are ONNX names; <see cref="ImportContext.Input"/> maps them
/// to IR values.
/// </summary>
internal sealed class OnnxNode
{
    public OnnxNode(NodeProto proto, int index)
    {
        OpType = proto.OpType;
        Name = string.IsNullOrEmpty(proto.Name) ? $"{proto.OpType}_{index}" : proto.Name;
        Inputs = proto.Input.ToArray();
        Outputs = proto.Output.ToArray();
        Attributes = new OnnxAttributes(proto.Attribute, this);
    }

    public string Name { get; }
    public string OpType { get; }
    public IReadOnlyList<string> Inputs { get; }
    public IReadOnlyList<string> Outputs { get; }
    public OnnxAttributes Attributes { get; }

    /// <summary>True when input <paramref name="index"/> is present (ONNX marks omitted optional inputs with "").</summary>
    public bool HasInput(int index) => index < Inputs.Count && Inputs[index].Length > 0;

    public bool HasOutput(int index) => index < Outputs.Count && Outputs[index].Length > 0;
}
