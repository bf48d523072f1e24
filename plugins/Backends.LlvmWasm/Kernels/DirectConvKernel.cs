using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// Direct N-d convolution (groups, strides, dilations, asymmetric pads, bias, fused residual and activation) for the
/// ranks the tiled <see cref="ConvKernel"/> does not cover, today 3-D (rank-5 inputs). Each output element is one
/// fold over the group's input channels and every kernel tap, with taps outside the input skipped; the weights are
/// read from memory, not packed. This trades speed for generality: 3-D convolutions are rare in the models WasmGraph
/// targets, and keeping them out of ConvKernel keeps its 1-D/2-D micro-kernel simple and fast.
/// </summary>
internal sealed class DirectConvKernel
{
    public string? CheckSupported(Node node, Graph graph)
    {
        var x = graph.TypeOf(node.Inputs[0]);
        return x.ElementType != DataType.Float32 ? "only float32 convolution is lowered" : Activation.Check(node);
    }

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var x = k.InputType(0).Shape;
        var y = k.OutputType(0).Shape;
        var a = k.Attributes;
        var kernel = a.GetInts("kernel_shape");
        var strides = a.GetInts("strides");
        var dilations = a.GetInts("dilations");
        var pads = a.GetInts("pads");
        long group = a.GetInt("group");
        int spatial = x.Rank - 2;
        long channelsPerGroup = x[1] / group, outputsPerGroup = y[1] / group;
        long inPlane = x.Dims.Skip(2).Aggregate(1L, (p, d) => p * d);
        long taps = kernel.Aggregate(1L, (p, d) => p * d);
        LValue? bias = k.HasInput(2) ? k.Input(2) : null;
        LValue? residual = ConvKernel.Residual(k);

        // Sums the taps of one input channel at output coordinates `o`, one kernel axis per level.
        LValue Taps(int axis, LValue[] o, LValue inOffset, LValue wOffset, LValue? inside, LValue channelBase, LValue weightBase, LValue acc)
        {
            if (axis == spatial)
            {
                var safe = inside is { } ok ? e.B.Select(ok, e.Add(channelBase, inOffset), channelBase) : e.Add(channelBase, inOffset);
                var product = e.FMul(e.LoadF32(k.Input(0), safe), e.LoadF32(k.Input(1), e.Add(weightBase, wOffset)));
                var sum = e.FAdd(acc, product);
                return inside is { } keep ? e.B.Select(keep, sum, acc) : sum;
            }
            return e.Fold(0, kernel[axis], 1, acc, (tap, carried) =>
            {
                var coordinate = e.Add(e.Affine(o[axis], strides[axis], -pads[axis]), e.Mul(tap, dilations[axis]));
                var within = e.InRange(coordinate, x[axis + 2]);
                var nextInside = inside is { } before ? e.B.Binary(BinaryOp.And, before, within) : within;
                return Taps(axis + 1, o, e.Add(e.Mul(inOffset, x[axis + 2]), coordinate),
                            e.Add(e.Mul(wOffset, kernel[axis]), tap), nextInside, channelBase, weightBase, carried);
            });
        }

        // Loops over the output coordinates, one spatial axis per level, then computes and stores one element.
        void Positions(int axis, LValue[] o, LValue n, LValue g, LValue m, LValue outLinear)
        {
            if (axis < spatial)
            {
                e.For(y[axis + 2], i => Positions(axis + 1, [.. o, i], n, g, m, e.Add(e.Mul(outLinear, y[axis + 2]), i)));
                return;
            }
            var total = e.Fold(0, channelsPerGroup, 1, e.F(0), (c, acc) =>
            {
                var channel = e.Add(e.Mul(g, channelsPerGroup), c);
                var channelBase = e.Mul(e.Add(e.Mul(n, x[1]), channel), inPlane);
                var weightBase = e.Mul(e.Add(e.Mul(m, channelsPerGroup), c), taps);
                return Taps(0, o, e.I(0), e.I(0), null, channelBase, weightBase, acc);
            });
            if (bias is { } b)
            {
                total = e.FAdd(total, e.LoadF32(b, m));
            }
            if (residual is { } r)
            {
                total = e.FAdd(total, e.LoadF32(r, outLinear));
            }
            e.StoreF32(Activation.Apply(e, a, total), k.Output(0), outLinear);
        }

        e.For(x[0], n => e.For(group, g => e.For(outputsPerGroup, mm =>
        {
            var m = e.Add(e.Mul(g, outputsPerGroup), mm);
            Positions(0, [], n, g, m, e.Add(e.Mul(n, y[1]), m)); // each spatial level scales by its extent
        })));
    }
}
