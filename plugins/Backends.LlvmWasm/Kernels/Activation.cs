using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// The activation a fusion pass attached to a producer (<see cref="FusedOps.Activation"/>: FusedConv, FusedGemm, FusedMatMul, ConvBlocked), applied as the producer stores its
/// result, so that each output element is written once. Its maths is the elementwise table's (<see cref="ElementwiseLowering"/>),
/// on a scalar or on the f32x4 a vectorised epilogue holds.
/// </summary>
internal static class Activation
{
    public const string Attribute = FusedOps.Activation;

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

    /// <summary>The activation's own attributes, from the producer's: Clip's bounds travel as <c>activation_min</c> and <c>activation_max</c> (<see cref="FusedOps.ActivationParameter"/>).</summary>
    private static Attributes Parameters(Attributes producer)
        => Attributes.Empty.With("min", producer.GetFloat(FusedOps.ActivationParameter("min"), float.NegativeInfinity))
                           .With("max", producer.GetFloat(FusedOps.ActivationParameter("max"), float.PositiveInfinity));
}
