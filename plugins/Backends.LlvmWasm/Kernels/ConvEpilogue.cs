using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// The last step of every 2-D conv kernel: add the fused residual (input 3 at the output position), apply the fused
/// activation and store to output 0, for one f32x4 of four consecutive outputs or one scalar. The bias is added by
/// the caller, which knows where it varies.
/// </summary>
internal readonly struct ConvEpilogue
{
    private readonly KernelContext _k;
    private readonly LValue? _residual;

    public ConvEpilogue(KernelContext k)
    {
        _k = k;
        _residual = ConvKernel.Residual(k);
    }

    /// <summary>Finishes <paramref name="value"/> (f32x4 or f32) and stores it at output float <paramref name="at"/> + <paramref name="constant"/>.</summary>
    public void Store(LValue value, LValue at, long constant = 0)
    {
        var e = _k.E;
        var attributes = _k.Attributes;
        bool vector = value.Type == e.Ctx.F32x4;
        var index = e.Add(at, constant);
        if (_residual is { } shortcut)
        {
            value = e.FAdd(value, vector ? e.LoadF32x4(shortcut, index) : e.LoadF32(shortcut, index));
        }
        if (vector)
        {
            e.StoreF32x4(Activation.Apply(e, attributes, value), _k.Output(0), index);
        }
        else
        {
            e.StoreF32(Activation.Apply(e, attributes, value), _k.Output(0), index);
        }
    }
}
