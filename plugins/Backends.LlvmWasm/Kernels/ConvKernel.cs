using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// 1-D and 2-D convolution with groups, strides, dilations, asymmetric pads and bias, plus a fused activation.
/// The input is first copied into a zero-bordered scratch image when there is padding, so the hot loops need no
/// bounds checks. Each output plane is then accumulated in place: for every (input channel, kernel tap) the weight
/// is a scalar and the innermost loop runs along the output row, which LLVM vectorises for stride 1.
/// </summary>
internal sealed class ConvKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["Conv"];

    private sealed record Geometry(long N, long C, long H, long W, long M, long OH, long OW, long KH, long KW,
                                   long SH, long SW, long DH, long DW, long PadTop, long PadLeft, long PadBottom, long PadRight, long Group)
    {
        public long PH => H + PadTop + PadBottom;
        public long PW => W + PadLeft + PadRight;
        public bool Padded => PadTop + PadLeft + PadBottom + PadRight > 0;
        public long ChannelsPerGroup => C / Group;
        public long OutputsPerGroup => M / Group;
    }

    public string? CheckSupported(Node node, Graph graph)
    {
        var x = graph.TypeOf(node.Inputs[0]);
        if (x.ElementType != DataType.Float32)
        {
            return "only float32 convolution is lowered";
        }
        if (x.Shape.Rank is not (3 or 4))
        {
            return $"only 1-D and 2-D convolution is lowered (input {x.Shape})";
        }
        return Activation.Check(node);
    }

    public long ScratchBytes(Node node, Graph graph)
    {
        var g = Describe(node, graph);
        return g.Padded ? g.C * g.PH * g.PW * 4 : 0;
    }

    private static Geometry Describe(Node node, Graph graph)
    {
        var x = graph.TypeOf(node.Inputs[0]).Shape;
        var y = graph.TypeOf(node.Outputs[0]).Shape;
        var a = node.Attributes;
        var kernel = a.GetInts("kernel_shape");
        var strides = a.GetInts("strides");
        var dilations = a.GetInts("dilations");
        var pads = a.GetInts("pads");
        if (x.Rank == 3)
        {
            // 1-D: a 2-D convolution over an image of height 1.
            return new Geometry(x[0], x[1], 1, x[2], y[1], 1, y[2], 1, kernel[0], 1, strides[0], 1, dilations[0],
                                0, pads[0], 0, pads[1], a.GetInt("group"));
        }
        return new Geometry(x[0], x[1], x[2], x[3], y[1], y[2], y[3], kernel[0], kernel[1], strides[0], strides[1],
                            dilations[0], dilations[1], pads[0], pads[1], pads[2], pads[3], a.GetInt("group"));
    }

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var g = Describe(k.Node, k.Graph);
        var weights = k.Input(1);
        LValue? bias = k.HasInput(2) ? k.Input(2) : null;
        long inPlane = g.H * g.W;
        long padPlane = g.PH * g.PW;
        long outPlane = g.OH * g.OW;
        long weightPerOutput = g.ChannelsPerGroup * g.KH * g.KW;

        if (g.Padded)
        {
            e.ZeroBytes(k.Scratch!.Value, g.C * padPlane * 4);
        }

        e.For(g.N, n =>
        {
            var image = k.Input(0);
            var imageBase = e.Mul(n, g.C * inPlane);
            if (g.Padded)
            {
                // Copy each input row into the interior of the zero-bordered scratch image.
                e.For(g.C, c => e.For(g.H, h =>
                {
                    var src = e.Mul(e.Add(e.Add(imageBase, e.Mul(c, inPlane)), e.Mul(h, g.W)), 4);
                    var dst = e.Mul(e.Add(e.Mul(c, padPlane), e.Add(e.Mul(h, g.PW), g.PadTop * g.PW + g.PadLeft)), 4);
                    e.CopyBytes(k.Scratch!.Value, dst, image, src, g.W * 4);
                }));
                image = k.Scratch!.Value;
                imageBase = e.I(0);
            }
            var source = image;
            var sourceBase = imageBase;

            e.For(g.M, m =>
            {
                var outBase = e.Add(e.Mul(n, g.M * outPlane), e.Mul(m, outPlane));
                var initial = bias is { } b ? e.LoadF32(b, m) : e.F(0);
                e.For(outPlane, i => e.StoreF32(initial, k.Output(0), e.Add(outBase, i)));

                // Input channels of m's group.
                var groupIndex = e.B.Binary(BinaryOp.SDiv, m, e.I(g.OutputsPerGroup));
                var firstChannel = e.Mul(groupIndex, g.ChannelsPerGroup);
                e.For(g.ChannelsPerGroup, ci =>
                {
                    var channelBase = e.Add(sourceBase, e.Mul(e.Add(firstChannel, ci), padPlane));
                    var weightBase = e.Add(e.Mul(m, weightPerOutput), e.Mul(ci, g.KH * g.KW));
                    e.For(g.KH, kh => e.For(g.KW, kw =>
                    {
                        var w = e.LoadF32(weights, e.Add(weightBase, e.Add(e.Mul(kh, g.KW), kw)));
                        var tapBase = e.Add(channelBase, e.Add(e.Mul(kh, g.DH * g.PW), e.Mul(kw, g.DW)));
                        e.For(g.OH, oh =>
                        {
                            var rowIn = e.Add(tapBase, e.Mul(oh, g.SH * g.PW));
                            var rowOut = e.Add(outBase, e.Mul(oh, g.OW));
                            e.For(g.OW, ow =>
                            {
                                var xv = e.LoadF32(source, e.Add(rowIn, e.Mul(ow, g.SW)));
                                var o = e.Add(rowOut, ow);
                                e.StoreF32(e.FAdd(e.LoadF32(k.Output(0), o), e.FMul(w, xv), e.ReductionMath), k.Output(0), o);
                            });
                        });
                    }));
                });

                if (k.Attributes.Has(Activation.Attribute))
                {
                    e.For(outPlane, i =>
                    {
                        var o = e.Add(outBase, i);
                        e.StoreF32(Activation.Apply(e, k.Attributes, e.LoadF32(k.Output(0), o)), k.Output(0), o);
                    });
                }
            });
        });
    }
}
