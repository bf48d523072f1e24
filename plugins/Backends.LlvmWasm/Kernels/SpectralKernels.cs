using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// DFT and STFT as a direct O(L²) sum per transform: each output bin k accumulates x[n]·e^{∓2πi·kn/L} over n, with
/// cos and sin read from a compile-time table of the L roots of unity (the index kn mod L is carried incrementally,
/// so there is no division in the loop). Tables are linear in L. The direct form is chosen over an FFT because the
/// transform lengths in practice here are short (tens of points) and arbitrary (no power-of-two or mixed-radix
/// plan needed); an FFT would be the next step for long transforms.
/// </summary>
internal static class Fourier
{
    public sealed record Twiddles(LValue Cos, LValue Sin, long Length);

    public static Twiddles Table(KernelContext k, long length)
    {
        var cos = new float[length];
        var sin = new float[length];
        for (long j = 0; j < length; j++)
        {
            double angle = 2 * Math.PI * j / length;
            (cos[j], sin[j]) = ((float)Math.Cos(angle), (float)Math.Sin(angle));
        }
        return new Twiddles(k.EmbedFloats(cos), k.EmbedFloats(sin), length);
    }

    /// <summary>
    /// One bin: Σ_{n &lt; count} x[n]·e^{∓2πi·k·n/L}, the sign + for the inverse. <paramref name="sample"/> loads x[n] as
    /// (re, im), im null for real input.
    /// </summary>
    public static (LValue Re, LValue Im) Bin(Emitter e, Twiddles t, LValue k, long count, bool inverse, Func<LValue, (LValue Re, LValue? Im)> sample)
    {
        var sums = e.FoldMany(0, count, 1, [e.F(0), e.F(0), e.I(0)], (n, acc) =>
        {
            var (xr, xi) = sample(n);
            var c = e.LoadF32(t.Cos, acc[2]);
            var s = e.LoadF32(t.Sin, acc[2]);
            if (inverse)
            {
                s = e.B.FNeg(s);
            }
            // (xr + i·xi)(c − i·s) = (xr·c + xi·s) + i(xi·c − xr·s)
            var re = e.FAdd(acc[0], e.FMul(xr, c));
            var im = e.FSub(acc[1], e.FMul(xr, s));
            if (xi is { } imaginary)
            {
                re = e.FAdd(re, e.FMul(imaginary, s));
                im = e.FAdd(im, e.FMul(imaginary, c));
            }
            var next = e.Add(acc[2], k);
            next = e.B.Select(e.B.ICmp(IntPredicate.Sge, next, e.I(t.Length)), e.Sub(next, e.I(t.Length)), next);
            return [re, im, next];
        });
        return (sums[0], sums[1]);
    }
}

/// <summary>DFT along one axis (real or complex input, forward or inverse, onesided, dft_length padding or cropping).</summary>
internal sealed class DftKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["DFT"];

    public string? CheckSupported(Node node, Graph graph)
        => graph.TypeOf(node.Inputs[0]).ElementType == DataType.Float32 ? null : "only float32 DFT is lowered";

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var xs = k.InputType(0).Shape;
        var ys = k.OutputType(0).Shape;
        int axis = (int)k.Attributes.GetInt("axis");
        long length = k.Attributes.GetInt("dft_length");
        bool inverse = k.Attributes.GetInt("inverse") != 0;
        long parts = xs[xs.Rank - 1];
        long outer = xs.Dims.Take(axis).Aggregate(1L, (a, b) => a * b);
        long inner = xs.Dims.Skip(axis + 1).Take(xs.Rank - axis - 2).Aggregate(1L, (a, b) => a * b);
        long inLength = xs[axis], bins = ys[axis];
        var table = Fourier.Table(k, length);
        e.For(outer, o => e.For(inner, i => e.For(bins, bin =>
        {
            var (re, im) = Fourier.Bin(e, table, bin, Math.Min(inLength, length), inverse, n =>
            {
                var at = e.Mul(e.Add(e.Mul(e.Add(e.Mul(o, inLength), n), inner), i), parts);
                return (e.LoadF32(k.Input(0), at), parts == 2 ? e.LoadF32(k.Input(0), e.Add(at, 1)) : null);
            });
            if (inverse)
            {
                (re, im) = (e.FMul(re, e.F(1.0 / length)), e.FMul(im, e.F(1.0 / length)));
            }
            var outAt = e.Mul(e.Add(e.Mul(e.Add(e.Mul(o, bins), bin), inner), i), 2);
            e.StoreF32(re, k.Output(0), outAt);
            e.StoreF32(im, k.Output(0), e.Add(outAt, 1));
        })));
    }
}

/// <summary>STFT: the DFT of each frame signal[f·step : f·step + frame_length], multiplied by the window if given.</summary>
internal sealed class StftKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["STFT"];

    public string? CheckSupported(Node node, Graph graph)
        => graph.TypeOf(node.Inputs[0]).ElementType == DataType.Float32 ? null : "only float32 STFT is lowered";

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var xs = k.InputType(0).Shape;
        var ys = k.OutputType(0).Shape;
        long step = k.Attributes.GetInt("frame_step");
        long frame = k.Attributes.GetInt("frame_length");
        long parts = xs[2], signalLength = xs[1];
        long frames = ys[1], bins = ys[2];
        bool windowed = k.HasInput(1);
        var table = Fourier.Table(k, frame);
        e.For(xs[0], b => e.For(frames, f => e.For(bins, bin =>
        {
            var start = e.Add(e.Mul(b, signalLength), e.Mul(f, step));
            var (re, im) = Fourier.Bin(e, table, bin, frame, inverse: false, n =>
            {
                var at = e.Mul(e.Add(start, n), parts);
                LValue Windowed(LValue v) => windowed ? e.FMul(v, e.LoadF32(k.Input(1), n)) : v;
                return (Windowed(e.LoadF32(k.Input(0), at)), parts == 2 ? Windowed(e.LoadF32(k.Input(0), e.Add(at, 1))) : null);
            });
            var outAt = e.Mul(e.Add(e.Mul(e.Add(e.Mul(b, frames), f), bins), bin), 2);
            e.StoreF32(re, k.Output(0), outAt);
            e.StoreF32(im, k.Output(0), e.Add(outAt, 1));
        })));
    }
}
