using System.Collections.Immutable;

namespace WasmGraph.Abstractions.Ir;

/// <summary>
/// One operation. Inputs and outputs name values of the owning <see cref="Graph"/>; an empty input name marks an
/// omitted optional input (ONNX convention). Nodes are immutable: passes build new ones with <c>with</c>.
/// </summary>
public sealed record Node(string Name, string Op, ImmutableArray<string> Inputs, ImmutableArray<string> Outputs, Attributes Attributes)
{
    /// <summary>Input <paramref name="index"/> if present, otherwise null (absent or omitted optional input).</summary>
    public string? InputOrNull(int index) => index < Inputs.Length && Inputs[index].Length > 0 ? Inputs[index] : null;

    /// <summary>A short description used in every error message about this node.</summary>
    public string Describe() => $"node '{Name}' ({Op})";

    public override string ToString()
        => $"{string.Join(", ", Outputs)} = {Op}({string.Join(", ", Inputs)}){(Attributes.Count > 0 ? " {" + Attributes + "}" : "")}  # {Name}";
}
