using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// The int8 GEMM core behind <see cref="QuantizedGemmKernel"/>: packed activation rows in scratch (written through
/// <see cref="StoreActivation"/>), the micro-kernel over the compile-time weight panels, and the requantising epilogue.
/// <para>
/// Scratch layout, one row of <see cref="QuantizedGemmPlan.PaddedReduction"/> per pixel: the relaxed path keeps two
/// byte planes, x≫1 then x&amp;1 (each 7-bit, the dot's unsigned operand); the int16 and scalar paths one plane of
/// int16. The micro-kernel reads one 4-byte group of a row (4 k of a byte plane, 2 k of the int16 plane), splats it
/// to all lanes and multiplies it with a weight vector holding the same k for 4 channels: lane c accumulates channel c.
/// </para>
/// </summary>
internal sealed class Int8Product
{
    /// <summary>Pixels per register tile: 2 on the int16 path (8 accumulators), 1 on the relaxed path, whose two activation halves need two accumulators per channel vector.</summary>
    private int PixelBlock => _dot == Int8Dot.Relaxed ? 1 : 2;
    private const int Vectors = QuantizedGemmPlan.ChannelBlock / 4;

    private readonly Emitter _e;
    private readonly QuantizedGemmPlan _plan;
    private readonly Int8Dot _dot;
    private readonly long _paddedPixels;
    private readonly LValue _scratch;
    private readonly LValue _weights;
    private readonly LValue _offsets;
    private readonly LValue _multipliers;
    private readonly LValue _output;
    private readonly LValue? _floatBias;

    /// <param name="floatBias">
    /// A float32 bias table (per channel, padded like the offsets) for a float output (<see cref="Int8FloatEpilogue"/>);
    /// null: the output is requantised to 8 bits.
    /// </param>
    public Int8Product(Emitter e, QuantizedGemmPlan plan, Int8Dot dot, long paddedPixels, long pixels, LValue scratch,
                       LValue weights, LValue offsets, LValue multipliers, LValue output, LValue? floatBias = null)
    {
        _output = output;
        _floatBias = floatBias;
        _e = e;
        _plan = plan;
        _dot = dot;
        _paddedPixels = paddedPixels;
        Pixels = pixels;
        _scratch = scratch;
        _weights = weights;
        _offsets = offsets;
        _multipliers = multipliers;
    }

    /// <summary>Output pixels (rows of the product) per image and group.</summary>
    public long Pixels { get; }

    private long PlaneBytes => _paddedPixels * _plan.PaddedReduction;

    /// <summary>Writes activation <paramref name="value"/> (i32, 0..255) at element <paramref name="index"/> = pixel·K′ + k.</summary>
    public void StoreActivation(LValue index, LValue value)
    {
        var e = _e;
        if (_dot == Int8Dot.Relaxed)
        {
            var high = e.B.Cast(CastOp.Trunc, e.B.Binary(BinaryOp.LShr, value, e.I(1)), e.Ctx.I8);
            var low = e.B.Cast(CastOp.Trunc, e.B.Binary(BinaryOp.And, value, e.I(1)), e.Ctx.I8);
            e.Store(e.Ctx.I8, 1, high, _scratch, index);
            e.Store(e.Ctx.I8, 1, low, _scratch, e.Add(index, PlaneBytes));
            return;
        }
        e.Store(e.Ctx.I16, 2, e.B.Cast(CastOp.Trunc, value, e.Ctx.I16), _scratch, index);
    }

    /// <summary>
    /// The product of one group's packed activations with its weights, stored through
    /// <paramref name="outputIndex"/>(channel within the group, pixel) for every real channel and pixel.
    /// </summary>
    public void Emit(LValue group, Func<LValue, LValue, LValue> outputIndex)
    {
        if (_dot == Int8Dot.Scalar)
        {
            EmitScalar(group, outputIndex);
            return;
        }
        var e = _e;
        int mp = _plan.PaddedChannels;
        long kp = _plan.PaddedReduction;
        long blockBytes = kp * QuantizedGemmPlan.ChannelBlock;
        // With threads: channel blocks over the workers (each reads its blocks' weights only).
        e.ParallelFor(0, mp / QuantizedGemmPlan.ChannelBlock, 1, block =>
        {
            var panel = e.B.Gep(e.Ctx.I8, _weights, e.Mul(e.Add(e.Mul(group, mp / QuantizedGemmPlan.ChannelBlock), block), blockBytes));
            e.For(0, _paddedPixels, PixelBlock, pixel =>
            {
                var sums = _dot == Int8Dot.Relaxed ? RelaxedSums(panel, pixel) : Int16Sums(panel, pixel);
                for (int r = 0; r < PixelBlock; r++)
                {
                    for (int v = 0; v < Vectors; v++)
                    {
                        var channel = e.Add(e.Mul(block, QuantizedGemmPlan.ChannelBlock), v * 4);
                        Store(sums[r * Vectors + v], e.Add(e.Mul(group, mp), channel), channel, e.Add(pixel, r), outputIndex);
                    }
                }
            });
        });
    }

    /// <summary>2·dot(w, x≫1) + dot(w, x&amp;1) per pixel and weight vector, with the relaxed dot (exact: both halves are 7-bit).</summary>
    private LValue[] RelaxedSums(LValue panel, LValue pixel)
    {
        var e = _e;
        var bytes = e.Ctx.Vector(e.Ctx.I8, 16);
        var (dotFunction, dotType) = e.Module.Intrinsic("llvm.wasm.relaxed.dot.i8x16.i7x16.add.signed");
        long kp = _plan.PaddedReduction;
        var zeros = Enumerable.Repeat(e.Ctx.Null(e.Ctx.I32x4), PixelBlock * Vectors * 2).ToArray();
        var rows = Enumerable.Range(0, PixelBlock).Select(r => e.Mul(e.Add(pixel, r), kp)).ToArray();
        var sums = e.FoldMany(0, kp / 4, 1, zeros, (step, acc) =>
        {
            var offset = e.Mul(step, 4);
            var w = Enumerable.Range(0, Vectors).Select(v => LoadVector(bytes, panel, e.Add(e.Mul(step, 16 * Vectors), v * 16))).ToArray();
            var next = new LValue[acc.Length];
            for (int r = 0; r < PixelBlock; r++)
            {
                var high = SplatWord(bytes, e.Add(rows[r], offset));
                var low = SplatWord(bytes, e.Add(e.Add(rows[r], offset), PlaneBytes));
                for (int v = 0; v < Vectors; v++)
                {
                    int at = (r * Vectors + v) * 2;
                    next[at] = e.B.Call(dotType, dotFunction, w[v], high, acc[at]);
                    next[at + 1] = e.B.Call(dotType, dotFunction, w[v], low, acc[at + 1]);
                }
            }
            return next;
        });
        return Enumerable.Range(0, PixelBlock * Vectors)
            .Select(i => e.Add(e.B.Binary(BinaryOp.Shl, sums[2 * i], e.Ctx.Splat(e.I(1), 4)), sums[2 * i + 1])).ToArray();
    }

    /// <summary>Σ w·x per pixel and weight vector with i32x4.dot_i16x8_s on the int16 plane and int16 weights.</summary>
    private LValue[] Int16Sums(LValue panel, LValue pixel)
    {
        var e = _e;
        var shorts = e.Ctx.Vector(e.Ctx.I16, 8);
        long kp = _plan.PaddedReduction;
        var zeros = Enumerable.Repeat(e.Ctx.Null(e.Ctx.I32x4), PixelBlock * Vectors).ToArray();
        var rows = Enumerable.Range(0, PixelBlock).Select(r => e.Mul(e.Mul(e.Add(pixel, r), kp), 2)).ToArray();
        return e.FoldMany(0, kp / 2, 1, zeros, (step, acc) =>
        {
            var w = Enumerable.Range(0, Vectors).Select(v => e.B.Cast(CastOp.SExt, LoadVector(e.Ctx.Vector(e.Ctx.I8, 8), panel, e.Add(e.Mul(step, 8 * Vectors), v * 8)), shorts)).ToArray();
            var next = new LValue[acc.Length];
            for (int r = 0; r < PixelBlock; r++)
            {
                var x = SplatWord(shorts, e.Add(rows[r], e.Mul(step, 4)));
                for (int v = 0; v < Vectors; v++)
                {
                    next[r * Vectors + v] = e.Add(acc[r * Vectors + v], Dot16(w[v], x));
                }
            }
            return next;
        });
    }

    /// <summary>i32x4.dot_i16x8_s (llvm.wasm.dot is not overloaded).</summary>
    private LValue Dot16(LValue a, LValue b)
    {
        var (function, type) = _e.Module.Intrinsic("llvm.wasm.dot");
        return _e.B.Call(type, function, a, b);
    }

    private LValue LoadVector(LType type, LValue basePtr, LValue byteOffset) => _e.B.Load(type, _e.B.Gep(_e.Ctx.I8, basePtr, byteOffset), 1);

    /// <summary>The 4 bytes at <paramref name="byteOffset"/> of scratch in every 32-bit lane, as <paramref name="type"/>.</summary>
    private LValue SplatWord(LType type, LValue byteOffset)
    {
        var e = _e;
        var word = e.B.Load(e.Ctx.I32, e.B.Gep(e.Ctx.I8, _scratch, byteOffset), 1);
        var one = e.B.InsertElement(e.Ctx.Poison(e.Ctx.I32x4), word, e.I(0));
        return e.B.Cast(CastOp.BitCast, e.B.Shuffle(one, e.Ctx.Poison(e.Ctx.I32x4), e.Ctx.Null(e.Ctx.I32x4)), type);
    }

    /// <summary>Requantises four channels' sums and stores each lane whose channel and pixel are real.</summary>
    private void Store(LValue sums, LValue tableIndex, LValue channel, LValue pixel, Func<LValue, LValue, LValue> outputIndex)
    {
        var e = _e;
        var offsets = e.B.Load(e.Ctx.I32x4, e.B.Gep(e.Ctx.I32, _offsets, tableIndex), 4);
        var multipliers = e.LoadF32x4(_multipliers, tableIndex);
        if (_floatBias is { } bias)
        {
            var values = Int8FloatEpilogue.Value(e, e.Add(sums, offsets), multipliers, e.LoadF32x4(bias, tableIndex), vector: true);
            Int8FloatEpilogue.Store(e, values, _plan.ChannelsPerGroup, Pixels, channel, pixel, _output, outputIndex);
            return;
        }
        var quantized = Requantize(e, _plan, e.Add(sums, offsets), multipliers, e.Ctx.I32x4);
        for (int lane = 0; lane < 4; lane++)
        {
            var c = e.Add(channel, lane);
            var real = e.B.Binary(BinaryOp.And, e.InRange(c, _plan.ChannelsPerGroup), e.InRange(pixel, Pixels));
            var value = e.B.ExtractElement(quantized, e.I(lane));
            e.If(real, () => e.Store(e.Ctx.I8, 1, e.B.Cast(CastOp.Trunc, value, e.Ctx.I8), _output, outputIndex(c, pixel)));
        }
    }

    /// <summary>
    /// ONNX Runtime's requantisation (MlasRequantizeOutput): float32(sum) × multiplier, clamped to
    /// [min − y₀, max − y₀], rounded half to even, + y₀. Clamping before the conversion keeps huge sums from wrapping.
    /// </summary>
    public static LValue Requantize(Emitter e, QuantizedGemmPlan plan, LValue sum, LValue multiplier, LType intType)
    {
        bool vector = intType == e.Ctx.I32x4;
        var floatType = vector ? e.Ctx.F32x4 : e.Ctx.F32;
        LValue Float(double v) => vector ? e.Ctx.Splat(e.F(v), 4) : e.F(v);
        LValue Int(long v) => vector ? e.Ctx.Splat(e.I(v), 4) : e.I(v);
        var scaled = e.FMul(e.B.Cast(CastOp.SIToFP, sum, floatType), multiplier);
        scaled = e.FMinKeepNaN(e.FMaxKeepNaN(scaled, Float(plan.OutputMin - plan.OutputZero)), Float(plan.OutputMax - plan.OutputZero));
        var rounded = e.CallIntrinsic("llvm.roundeven", floatType, scaled);
        return e.Add(e.CallIntrinsic2("llvm.fptosi.sat", intType, floatType, rounded), Int(plan.OutputZero));
    }

    /// <summary>Without SIMD128: int32 multiply-adds over the int16 plane and int16 weight rows, then the same epilogue.</summary>
    private void EmitScalar(LValue group, Func<LValue, LValue, LValue> outputIndex)
    {
        var e = _e;
        long kp = _plan.PaddedReduction;
        int mp = _plan.PaddedChannels;
        e.ParallelFor(0, _plan.ChannelsPerGroup, 1, channel =>
        {
            var weightRow = e.Mul(e.Add(e.Mul(group, _plan.ChannelsPerGroup), channel), kp);
            var tableIndex = e.Add(e.Mul(group, mp), channel);
            var offset = e.Load(e.Ctx.I32, 4, _offsets, tableIndex);
            var multiplier = e.LoadF32(_multipliers, tableIndex);
            e.For(Pixels, pixel =>
            {
                var row = e.Mul(pixel, kp);
                var sum = e.Fold(0, kp, 1, offset, (kk, acc) =>
                {
                    var w = e.B.Cast(CastOp.SExt, e.Load(e.Ctx.I16, 2, _weights, e.Add(weightRow, kk)), e.Ctx.I32);
                    var x = e.B.Cast(CastOp.SExt, e.Load(e.Ctx.I16, 2, _scratch, e.Add(row, kk)), e.Ctx.I32);
                    return e.Add(acc, e.Mul(w, x));
                });
                if (_floatBias is { } bias)
                {
                    e.StoreF32(Int8FloatEpilogue.Value(e, sum, multiplier, e.LoadF32(bias, tableIndex), vector: false), _output, outputIndex(channel, pixel));
                    return;
                }
                var value = Requantize(e, _plan, sum, multiplier, e.Ctx.I32);
                e.Store(e.Ctx.I8, 1, e.B.Cast(CastOp.Trunc, value, e.Ctx.I8), _output, outputIndex(channel, pixel));
            });
        });
    }
}
