using WasmGraph.Onnx.Proto;

namespace WasmGraph.Frontends.Onnx.Import;

/// <summary>
/// An ONNX node as the op importers see it: its display name (the ONNX name, or <c>op_index</c> when empty), its
/// ONNX value names and its attributes. Value names here are ONNX names; <see cref="ImportContext.Input"/> maps them
/// to IR values.
/// </summary>
internal sealed class OnnxNode
{
    public OnnxNode(NodeProto proto, int index) : this(proto, DisplayName(proto, index), proto.Output) { }

    /// <summary>A node with an explicit name and output names (a subgraph node inlined under fresh names).</summary>
    public OnnxNode(NodeProto proto, string name, IEnumerable<string> outputs)
    {
        Proto = proto;
        OpType = proto.OpType;
        Domain = proto.Domain;
        Name = name;
        Inputs = proto.Input.ToArray();
        Outputs = outputs.ToArray();
        Attributes = new OnnxAttributes(proto.Attribute, this);
    }

    /// <summary>The ONNX name, or <c>op_index</c> when the file leaves it empty.</summary>
    public static string DisplayName(NodeProto proto, int index)
        => string.IsNullOrEmpty(proto.Name) ? $"{proto.OpType}_{index}" : proto.Name;

    public string Name { get; }

    /// <summary>The node as the file has it.</summary>
    public NodeProto Proto { get; }

    /// <summary>The same node under another name and output names (one specialisation of it, see <see cref="RunTimeParameters"/>).</summary>
    public OnnxNode WithNameAndOutputs(string name, IEnumerable<string> outputs) => new(Proto, name, outputs);
    public string OpType { get; }

    /// <summary>The op's domain as written ("" or "ai.onnx" for the default domain).</summary>
    public string Domain { get; }
    public IReadOnlyList<string> Inputs { get; }
    public IReadOnlyList<string> Outputs { get; }
    public OnnxAttributes Attributes { get; }

    /// <summary>True when input <paramref name="index"/> is present (ONNX marks omitted optional inputs with "").</summary>
    public bool HasInput(int index) => index < Inputs.Count && Inputs[index].Length > 0;

    public bool HasOutput(int index) => index < Outputs.Count && Outputs[index].Length > 0;
}
