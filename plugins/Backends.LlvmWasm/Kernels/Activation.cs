using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// The activation a fusion pass attached to a producer (<c>wg.activation</c>), applied as the producer stores its
/// result, so that each output element is written once. Its maths is the elementwise table's (<see cref="ElementwiseLowering"/>),
/// on a scalar or on the f32x4 a vectorised epilogue holds.
/// </summary>
internal static class Activation
{
    public const string Attribute = "wg.activation";

    /// <summary>The table's ops marked as activations (Relu, Sigmoid, Clip).</summary>
    public static readonly string[] Supported = [.. ElementwiseLowering.Activations];

    public static string? Check(Node node)
    {
        var name = node.Attributes.GetString(Attribute, "");
        return name.Length == 0 || Supported.Contains(name) ? null : $"fused activation '{name}' is not supported";
    }

    public static LValue Apply(Emitter e, Attributes attributes, LValue value)
    {
        var name = attributes.GetString(Attribute, "");
        if (name.Length == 0)
        {
            return value;
        }
        if (!Supported.Contains(name))
        {
            throw new InvalidOperationException($"unknown fused activation '{name}'");
        }
        return ElementwiseLowering.Get(name).Apply(e, [value], Parameters(attributes));
    }

    /// <summary>The activation's own attributes, from the producer's: Clip's bounds travel as <c>wg.clip_min</c> and <c>wg.clip_max</c>.</summary>
    private static Attributes Parameters(Attributes producer)
        => Attributes.Empty.With("min", producer.GetFloat("wg.clip_min", float.NegativeInfinity))
                           .With("max", producer.GetFloat("wg.clip_max", float.PositiveInfinity));
}
