using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// The activation of a fused producer (<see cref="FusedOps.Activation"/>: FusedConv, FusedGemm, FusedMatMul, ConvBlocked), applied as the producer stores its
/// result, so that each output element is written once.
/// </summary>
internal static class Activation
{
    public const string Attribute = FusedOps.Activation;
    public static readonly string[] Supported = ["Relu", "Sigmoid", "Clip"];

    public static string? Check(Node node)
    {
        var name = node.Attributes.GetString(Attribute, "");
        return name.Length == 0 || Supported.Contains(name) ? null : $"fused activation '{name}' is not supported";
    }

    public static LValue Apply(Emitter e, Attributes attributes, LValue value)
    {
        switch (attributes.GetString(Attribute, ""))
        {
            case "":
                return value;
            case "Relu":
                return e.FMaxKeepNaN(value, e.FLike(value, 0));
            case "Sigmoid":
                return e.Sigmoid(value);
            case "Clip":
                var min = attributes.GetFloat(FusedOps.ActivationParameter("min"), float.NegativeInfinity);
                var max = attributes.GetFloat(FusedOps.ActivationParameter("max"), float.PositiveInfinity);
                return e.FMinKeepNaN(e.FMaxKeepNaN(value, e.FLike(value, min)), e.FLike(value, max));
            default:
                throw new InvalidOperationException($"unknown fused activation '{attributes.GetString(Attribute, "")}'");
        }
    }
}
