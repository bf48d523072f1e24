using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;
using In = WasmGraph.Abstractions.Ops.QuantizedOps.Input;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// QuantizedConv and QuantizedMatMul: one int8 GEMM. The activations of one image and group are packed into scratch,
/// one row of K per output pixel (im2col for Conv, with padding taps holding the input zero point, which contributes
/// nothing once x₀·Σw′ is in the channel offset), then a register-blocked micro-kernel of up to 2 pixels × 16 channels runs
/// over the weights packed at compile time (<see cref="QuantizedGemmPlan.Pack"/>), and the epilogue requantises each
/// int32 sum as ONNX Runtime does: (acc + offset) to float32, × multiplier, rounded half to even, clamped to the output
/// range minus the zero point, plus the zero point. Inner-loop instruction by target: <see cref="Int8Dot"/>. Depthwise
/// convolutions take <see cref="Int8DepthwiseConv"/> instead, and other 2-D group-1 convolutions on the default
/// (int16-dot) path <see cref="Int8DirectConv"/>, which needs no im2col, or, for 3×3 stride-1 ones,
/// <see cref="Int8WinogradConv"/> (exact, 2.25× fewer multiply-adds).
/// </summary>
internal sealed class QuantizedGemmKernel : IKernelGenerator
{
    private const int PixelBlock = 2;

    private readonly bool _preferRelaxed;
    private readonly bool _preferGemm;
    private readonly bool _preferDirect;

    public QuantizedGemmKernel() : this(preferRelaxed: false) { }

    /// <summary>
    /// With <paramref name="preferRelaxed"/>, the relaxed-dot path where the target allows it (tests and measurements; see
    /// <see cref="Int8Dot.Relaxed"/>); with <paramref name="preferGemm"/>, 2-D convolutions through im2col and the GEMM
    /// instead of <see cref="Int8DirectConv"/> (tests of both paths and measurements); with <paramref name="preferDirect"/>,
    /// 3×3 stride-1 convolutions through <see cref="Int8DirectConv"/> instead of <see cref="Int8WinogradConv"/> (likewise).
    /// </summary>
    internal QuantizedGemmKernel(bool preferRelaxed, bool preferGemm = false, bool preferDirect = false)
    {
        _preferRelaxed = preferRelaxed;
        _preferGemm = preferGemm;
        _preferDirect = preferDirect;
    }

    public IReadOnlyList<string> Ops { get; } = [QuantizedOps.Conv, QuantizedOps.MatMul, QuantizedOps.MatMulToFloat];

    public string? CheckSupported(Node node, Graph graph)
    {
        if (Enumerable.Range(1, 8).FirstOrDefault(i => node.InputOrNull(i) is { Length: > 0 } input && !graph.IsConstant(input)) is > 0 and var index)
        {
            return $"input {index} must be a constant (the weights and quantisation parameters are packed at compile time)";
        }
        return node.Op == QuantizedOps.Conv && graph.TypeOf(node.Inputs[In.X]).Shape.Rank is not (3 or 4)
            ? "only 1-D and 2-D QuantizedConv is lowered"
            : null;
    }

    public IReadOnlyList<int> CompileTimeInputs(Node node, Graph graph)
        => Enumerable.Range(1, 8).Where(i => node.InputOrNull(i) is { Length: > 0 }).ToArray();

    public long ScratchBytes(Node node, Graph graph)
    {
        if (node.Op == QuantizedOps.Conv && ConvGeometry.Describe(node, graph) is var g && Int8DepthwiseConv.Applies(g))
        {
            return Int8DepthwiseConv.ScratchBytes(g);
        }
        var (pixels, reduction) = Extents(node, graph);
        long gemm = RoundUp(pixels, PixelBlock) * RoundUp(reduction, 4) * 2 + 16;
        // The target (SIMD128 or not) and whether the weights fit int8 are not known here, so a direct-conv candidate
        // reserves room for every path it may take.
        if (node.Op != QuantizedOps.Conv || graph.TypeOf(node.Inputs[In.X]).Shape.Rank != 4)
        {
            return gemm;
        }
        var direct = ConvGeometry.Describe(node, graph);
        if (!Int8DirectConv.Applies(direct))
        {
            return gemm;
        }
        long bytes = Math.Max(gemm, Int8DirectConv.ScratchBytes(direct));
        return Int8WinogradConv.Applies(direct) ? Math.Max(bytes, Int8WinogradConv.ScratchBytes(direct)) : bytes;
    }

    /// <summary>
    /// <see cref="Int8WinogradConv"/>'s transformed weights (a zero-initialised global filled on the first run), reserved
    /// for every convolution it may take: the target and whether the weights fit int8 are not known here.
    /// </summary>
    public long StaticBytes(Node node, Graph graph)
        => node.Op == QuantizedOps.Conv && graph.TypeOf(node.Inputs[In.X]).Shape.Rank == 4 && ConvGeometry.Describe(node, graph) is var g && Int8WinogradConv.Applies(g)
            ? Int8WinogradConv.StaticBytes(g)
            : 0;

    /// <summary>Output pixels per image and reduction length per group.</summary>
    private static (long Pixels, long Reduction) Extents(Node node, Graph graph)
    {
        if (node.Op != QuantizedOps.Conv)
        {
            var a = graph.TypeOf(node.Inputs[In.X]).Shape;
            return (a.ElementCount / a[a.Rank - 1], a[a.Rank - 1]);
        }
        var g = ConvGeometry.Describe(node, graph);
        return (g.OH * g.OW, g.ChannelsPerGroup * g.KH * g.KW);
    }

    private static long RoundUp(long value, long multiple) => (value + multiple - 1) / multiple * multiple;

    public void Emit(KernelContext k)
    {
        var e = k.E;
        bool conv = k.Node.Op == QuantizedOps.Conv;
        var geometry = conv ? ConvGeometry.Describe(k.Node, k.Graph) : null;
        var weightShape = k.InputType(In.W).Shape;
        QuantizedGemmPlan plan;
        if (geometry is { } cg)
        {
            long perChannel = weightShape.ElementCount / weightShape[0];
            plan = QuantizedGemmPlan.Create(k.Node, k.Graph, (int)cg.Group, (int)cg.M, (int)perChannel, (w, m, kk) => w[m * perChannel + kk]);
        }
        else
        {
            long columns = weightShape[1];
            plan = QuantizedGemmPlan.Create(k.Node, k.Graph, 1, (int)columns, (int)weightShape[0], (w, m, kk) => w[kk * columns + m]);
        }
        if (geometry is { } depthwise && Int8DepthwiseConv.Applies(depthwise))
        {
            Int8DepthwiseConv.Emit(k, depthwise, plan);
            return;
        }
        var dot = !e.Simd128 || !plan.WeightsFitInt8 ? Int8Dot.Scalar : _preferRelaxed && e.RelaxedMadd ? Int8Dot.Relaxed : Int8Dot.Int16;
        if (geometry is { } winograd && dot == Int8Dot.Int16 && !_preferGemm && !_preferDirect && weightShape.Rank == 4 && Int8WinogradConv.Applies(winograd))
        {
            Int8WinogradConv.Emit(k, winograd, plan);
            return;
        }
        if (geometry is { } direct && dot == Int8Dot.Int16 && !_preferGemm && weightShape.Rank == 4 && Int8DirectConv.Applies(direct))
        {
            Int8DirectConv.Emit(k, direct, plan);
            return;
        }
        var (pixels, _) = Extents(k.Node, k.Graph);
        long images = conv ? geometry!.N : 1;
        long channels = (long)plan.Groups * plan.ChannelsPerGroup;
        var weights = EmbedBytes(k, plan.Pack(dot));
        var (offsets, multipliers) = EpilogueTables(k, plan);
        var floatBias = k.Node.Op == QuantizedOps.MatMulToFloat ? FloatBiasTable(k, plan) : (LValue?)null;
        var product = new Int8Product(e, plan, dot, RoundUp(pixels, PixelBlock), pixels, k.Scratch!.Value, weights, offsets, multipliers, k.Output(0), floatBias);

        e.For(images, image =>
        {
            e.For(plan.Groups, group =>
            {
                if (geometry is { } g)
                {
                    PackConvPatches(e, k, plan, g, product, image, group);
                }
                else
                {
                    PackRows(e, k, plan, product);
                }
                e.WorkerBarrier(); // with threads: every row packed (split over rows) before any channel block reads it
                // NCHW output of Conv: channels at stride pixels; MatMul's [rows, N]: channels contiguous.
                product.Emit(group, (channel, pixel) => conv
                    ? e.Add(e.Mul(e.Add(e.Mul(image, channels), e.Add(e.Mul(group, plan.ChannelsPerGroup), channel)), pixels), pixel)
                    : e.Add(e.Mul(pixel, channels), channel));
                if (images * plan.Groups > 1)
                {
                    e.WorkerBarrier(); // and every block done before the next image or group repacks the scratch
                }
            });
        });
    }

    /// <summary>im2col of one image and group: for each output pixel its reduction row (c, kh, kw), padding taps = x₀.</summary>
    private static void PackConvPatches(Emitter e, KernelContext k, QuantizedGemmPlan plan, ConvGeometry g, Int8Product product, LValue image, LValue group)
    {
        long kp = plan.PaddedReduction;
        var inputType = k.InputType(In.X).ElementType;
        int inputZero = (int)k.ConstantInput(In.XZero)!.ToInt64Array()[0] + (plan.SignedInput ? 128 : 0);
        e.ParallelFor(0, g.OH, 1, oh => e.For(g.OW, ow =>
        {
            var pixel = e.Add(e.Mul(oh, g.OW), ow);
            var row = e.Mul(pixel, kp);
            e.For(g.ChannelsPerGroup, c =>
            {
                var plane = e.Mul(e.Add(e.Mul(image, g.C), e.Add(e.Mul(group, g.ChannelsPerGroup), c)), g.H * g.W);
                e.For(g.KH, i =>
                {
                    var ih = e.Add(e.Mul(oh, g.SH), e.Add(e.Mul(i, g.DH), -g.PadTop));
                    e.For(g.KW, j =>
                    {
                        var iw = e.Add(e.Mul(ow, g.SW), e.Add(e.Mul(j, g.DW), -g.PadLeft));
                        var inside = e.B.Binary(BinaryOp.And, e.InRange(ih, g.H), e.InRange(iw, g.W));
                        var at = e.B.Select(inside, e.Add(plane, e.Add(e.Mul(ih, g.W), iw)), e.I(0));
                        var value = e.B.Select(inside, LoadActivation(e, k, inputType, at), e.I(inputZero));
                        product.StoreActivation(e.Add(row, e.Add(e.Mul(e.Add(e.Mul(c, g.KH), i), g.KW), j)), value);
                    });
                });
            });
            e.For(plan.Reduction, kp, 1, kk => product.StoreActivation(e.Add(row, kk), e.I(0)));
        }));
    }

    /// <summary>MatMul's A as it is: each row is already one reduction row; the padding to whole 4-byte groups is zero.</summary>
    private static void PackRows(Emitter e, KernelContext k, QuantizedGemmPlan plan, Int8Product product)
    {
        long kp = plan.PaddedReduction;
        var inputType = k.InputType(In.X).ElementType;
        e.ParallelFor(0, product.Pixels, 1, row =>
        {
            e.For(plan.Reduction, kk => product.StoreActivation(e.Add(e.Mul(row, kp), kk), LoadActivation(e, k, inputType, e.Add(e.Mul(row, plan.Reduction), kk))));
            e.For(plan.Reduction, kp, 1, kk => product.StoreActivation(e.Add(e.Mul(row, kp), kk), e.I(0)));
        });
    }

    /// <summary>An activation as an i32 in 0..255: uint8 as it is, int8 with its top bit flipped (x + 128).</summary>
    private static LValue LoadActivation(Emitter e, KernelContext k, DataType type, LValue index)
    {
        var raw = e.Load(e.Ctx.I8, 1, k.Input(In.X), index);
        if (type == DataType.Int8)
        {
            raw = e.B.Binary(BinaryOp.Xor, raw, e.Ctx.Int(e.Ctx.I8, 0x80));
        }
        return e.B.Cast(CastOp.ZExt, raw, e.Ctx.I32);
    }

    /// <summary>Offsets and multipliers per group padded to whole channel blocks, so the epilogue loads them as vectors.</summary>
    private static (LValue Offsets, LValue Multipliers) EpilogueTables(KernelContext k, QuantizedGemmPlan plan)
    {
        int mp = plan.PaddedChannels;
        var offsets = new int[plan.Groups * mp];
        var multipliers = new float[plan.Groups * mp];
        for (int g = 0; g < plan.Groups; g++)
        {
            for (int m = 0; m < plan.ChannelsPerGroup; m++)
            {
                offsets[g * mp + m] = plan.Offsets[g * plan.ChannelsPerGroup + m];
                multipliers[g * mp + m] = plan.Multipliers[g * plan.ChannelsPerGroup + m];
            }
        }
        return (k.EmbedInts(offsets), k.EmbedFloats(multipliers));
    }

    /// <summary>QuantizedMatMulToFloat's float32 bias (zeros without one), padded to whole channel blocks like the offsets.</summary>
    private static LValue FloatBiasTable(KernelContext k, QuantizedGemmPlan plan)
    {
        var bias = new float[plan.PaddedChannels];
        if (k.ConstantInput(In.Bias) is { } constant)
        {
            constant.ToFloatArray().CopyTo(bias, 0);
        }
        return k.EmbedFloats(bias);
    }

    /// <summary>Bytes embedded through the i32 table path (padded to whole words).</summary>
    internal static LValue EmbedBytes(KernelContext k, byte[] bytes)
    {
        var words = new int[(bytes.Length + 3) / 4];
        Buffer.BlockCopy(bytes, 0, words, 0, bytes.Length);
        return k.EmbedInts(words);
    }
}
