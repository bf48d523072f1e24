using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Codegen;

/// <summary>
/// Structured IR construction on top of the builder: counted loops with constant bounds, loop-carried values,
/// conditionals, typed loads and stores, and the float maths wasm lacks (exp). Kernel generators only talk to this.
/// All index arithmetic is i32, because wasm32 addresses are 32-bit.
/// </summary>
internal sealed class Emitter
{
    /// <param name="relaxedMadd">
    /// Whether <see cref="MulAddF32x4"/> may use relaxed-simd's fused multiply-add: only when the target has relaxed-simd
    /// (LLVM cannot select it otherwise and aborts) and bit-reproducible results were not asked for.
    /// </param>
    public Emitter(LlvmContext context, LlvmModule module, LlvmBuilder builder, bool relaxedMadd)
    {
        Ctx = context;
        Module = module;
        B = builder;
        RelaxedMadd = relaxedMadd;
    }

    public LlvmContext Ctx { get; }
    public LlvmModule Module { get; }
    public LlvmBuilder B { get; }

    /// <summary>Whether <see cref="MulAddF32x4"/> emits relaxed_madd rather than separately rounded mul and add.</summary>
    public bool RelaxedMadd { get; }

    /// <summary>Whether the target has SIMD128, so kernels may call its intrinsics (the int8 dot products); generic vector IR needs no check.</summary>
    public bool Simd128 { get; init; } = true;

    /// <summary>The threaded module's runtime (<c>compile --threads</c>); null in the single-threaded module. See <see cref="WorkSplit"/>.</summary>
    public Threading? Threads { get; set; }

    /// <summary>The function being emitted into; set by <see cref="BeginFunction"/>.</summary>
    public LValue Function { get; private set; }

    /// <summary>Flags for float arithmetic in reductions: reassociation lets LLVM vectorise sums; NaNs still propagate.</summary>
    public FastMath ReductionMath { get; } = FastMath.Reassoc | FastMath.Contract | FastMath.NoSignedZeros;

    public void BeginFunction(LValue function)
    {
        Function = function;
        B.PositionAtEnd(B.AppendBlock(function, "entry"));
    }

    // ---- constants and integer arithmetic -------------------------------------------------------------------
    public LValue I(long value) => Ctx.I32Const(value);

    public LValue F(double value) => Ctx.F32Const(value);

    /// <summary>A float constant of the same type as <paramref name="like"/>: an f32 or f64 scalar, or a splat for f32x4 values.</summary>
    public LValue FLike(LValue like, double value)
        => like.Type == Ctx.F32x4 ? Ctx.Splat(F(value), 4) : like.Type == Ctx.F64 ? Ctx.F64Const(value) : F(value);

    public LValue Add(LValue a, LValue b) => B.Binary(BinaryOp.Add, a, b);

    public LValue Add(LValue a, long b) => b == 0 ? a : Add(a, I(b));

    public LValue Mul(LValue a, long b) => b == 1 ? a : B.Binary(BinaryOp.Mul, a, I(b));

    public LValue Mul(LValue a, LValue b) => B.Binary(BinaryOp.Mul, a, b);

    public LValue Sub(LValue a, LValue b) => B.Binary(BinaryOp.Sub, a, b);

    /// <summary>a * scale + offset, skipping trivial parts.</summary>
    public LValue Affine(LValue a, long scale, long offset) => Add(Mul(a, scale), offset);

    // ---- float arithmetic -----------------------------------------------------------------------------------
    public LValue FAdd(LValue a, LValue b, FastMath flags = FastMath.None) => B.Binary(BinaryOp.FAdd, a, b, flags);

    public LValue FSub(LValue a, LValue b) => B.Binary(BinaryOp.FSub, a, b);

    public LValue FMul(LValue a, LValue b, FastMath flags = FastMath.None) => B.Binary(BinaryOp.FMul, a, b, flags);

    public LValue FDiv(LValue a, LValue b) => B.Binary(BinaryOp.FDiv, a, b);

    /// <summary>
    /// max(a, b) that returns NaN when a is NaN and b when only b is NaN (ONNX Runtime's semantics for Relu, MaxPool, Clip:
    /// a NaN element propagates, a NaN accumulator passed as b is replaced). The compare must be ordered: an unordered
    /// one (ult) is true for NaN and silently turned Relu(NaN) into 0 and MaxPool over NaN into −∞.
    /// </summary>
    public LValue FMaxKeepNaN(LValue a, LValue b) => B.Select(B.FCmp(RealPredicate.Olt, a, b), b, a);

    /// <summary>min(a, b) that returns NaN when a is NaN and b when only b is NaN (ordered compare, as above).</summary>
    public LValue FMinKeepNaN(LValue a, LValue b) => B.Select(B.FCmp(RealPredicate.Ogt, a, b), b, a);

    public LValue CallIntrinsic(string name, LType overload, params LValue[] args)
    {
        var (fn, type) = Module.Intrinsic(name, overload);
        return B.Call(type, fn, args);
    }

    public LValue Floor(LValue x) => CallIntrinsic("llvm.floor", x.Type, x);

    public LValue Sqrt(LValue x) => CallIntrinsic("llvm.sqrt", x.Type, x);

    /// <summary>
    /// expf for f32 scalars (wasm has no exp instruction and the module may import nothing): Cephes-style range
    /// reduction x = n·ln2 + r, a degree-6 polynomial for e^r, and 2^n built from the exponent bits. Relative error
    /// is about 2 ulp; inputs above ln(FLT_MAX) give +inf, NaN stays NaN.
    /// </summary>
    public LValue Exp(LValue x)
    {
        if (x.Type == Ctx.F32x4)
        {
            return MapLanes([x], lanes => Exp(lanes[0]));
        }
        var clamped = B.Select(B.FCmp(RealPredicate.Olt, x, F(-87.3)), F(-87.3), x);
        clamped = B.Select(B.FCmp(RealPredicate.Ogt, clamped, F(88.72)), F(88.72), clamped);
        var fx = Floor(FAdd(FMul(clamped, F(1.44269504088896341)), F(0.5)));
        var r = FSub(FSub(clamped, FMul(fx, F(0.693359375))), FMul(fx, F(-2.12194440e-4)));
        var p = F(1.9875691500E-4);
        foreach (var c in new[] { 1.3981999507E-3, 8.3334519073E-3, 4.1665795894E-2, 1.6666665459E-1, 5.0000001201E-1 })
        {
            p = FAdd(FMul(p, r), F(c));
        }
        var y = FAdd(FAdd(FMul(p, FMul(r, r)), r), F(1.0));
        // 2^(n-1) from the exponent bits, then ×2: keeps n = 128 representable.
        var n = B.Cast(CastOp.FPToSI, fx, Ctx.I32);
        var bits = B.Binary(BinaryOp.Shl, Add(n, 126), I(23));
        var pow2 = B.Cast(CastOp.BitCast, bits, Ctx.F32);
        var result = FMul(FMul(y, pow2), F(2.0));
        return B.Select(B.FCmp(RealPredicate.Ogt, x, F(88.7228391)), F(double.PositiveInfinity), result);
    }

    /// <summary>Applies a scalar function of one or more operands to each lane of f32x4 operands (for the rare transcendental in a vector epilogue).</summary>
    public LValue MapLanes(LValue[] vectors, Func<LValue[], LValue> scalar)
    {
        var result = Ctx.Poison(Ctx.F32x4);
        for (int lane = 0; lane < 4; lane++)
        {
            var lanes = vectors.Select(v => B.ExtractElement(v, I(lane))).ToArray();
            result = B.InsertElement(result, scalar(lanes), I(lane));
        }
        return result;
    }

    // ---- memory ---------------------------------------------------------------------------------------------
    public LValue ElementPtr(LValue basePtr, LValue index, LType element) => B.Gep(element, basePtr, index);

    public LValue LoadF32(LValue basePtr, LValue index) => B.Load(Ctx.F32, B.Gep(Ctx.F32, basePtr, index), 4);

    public void StoreF32(LValue value, LValue basePtr, LValue index) => B.Store(value, B.Gep(Ctx.F32, basePtr, index), 4);

    public LValue Load(LType type, int size, LValue basePtr, LValue index) => B.Load(type, B.Gep(type, basePtr, index), size);

    public void Store(LType type, int size, LValue value, LValue basePtr, LValue index) => B.Store(value, B.Gep(type, basePtr, index), size);

    public void CopyBytes(LValue dst, LValue dstByteOffset, LValue src, LValue srcByteOffset, long bytes)
    {
        if (bytes > 0)
        {
            B.MemCpy(B.Gep(Ctx.I8, dst, dstByteOffset), B.Gep(Ctx.I8, src, srcByteOffset), I(bytes), 1);
        }
    }

    public void ZeroBytes(LValue dst, long bytes)
    {
        if (bytes > 0)
        {
            B.MemSet(dst, Ctx.Int(Ctx.I8, 0), I(bytes), 4);
        }
    }

    // ---- control flow ---------------------------------------------------------------------------------------
    /// <summary>
    /// How many emitted loops enclose the code being emitted (a loop of one iteration is not emitted, so does not
    /// count): a body emitted once may run many times. <see cref="WorkSplit.ParallelFor"/> claims work dynamically only
    /// outside any loop (<see cref="Threading.CanClaim"/>) unless a barrier follows them.
    /// </summary>
    public int LoopDepth { get; private set; }

    private void InLoop(Action body) => InLoop(() => { body(); return 0; });

    private T InLoop<T>(Func<T> body)
    {
        LoopDepth++;
        try
        {
            return body();
        }
        finally
        {
            LoopDepth--;
        }
    }

    /// <summary>for (i = start; i &lt; end; i += step) body(i), with constant bounds. Emits nothing for an empty range.</summary>
    public void For(long start, long end, long step, Action<LValue> body)
    {
        if (end <= start)
        {
            return;
        }
        if (end - start <= step)
        {
            body(I(start));
            return;
        }
        var pre = B.CurrentBlock;
        var loop = B.AppendBlock(Function, "loop");
        var exit = B.AppendBlock(Function, "exit");
        B.Br(loop);
        B.PositionAtEnd(loop);
        var i = B.Phi(Ctx.I32);
        B.AddIncoming(i, I(start), pre);
        InLoop(() => body(i));
        var next = B.Binary(BinaryOp.Add, i, I(step));
        B.AddIncoming(i, next, B.CurrentBlock);
        B.CondBr(B.ICmp(IntPredicate.Slt, next, I(end)), loop, exit);
        B.PositionAtEnd(exit);
    }

    public void For(long end, Action<LValue> body) => For(0, end, 1, body);

    /// <summary>A counted loop carrying one value: returns the value after the last iteration.</summary>
    public LValue Fold(long start, long end, long step, LValue initial, Func<LValue, LValue, LValue> body)
    {
        if (end <= start)
        {
            return initial;
        }
        var pre = B.CurrentBlock;
        var loop = B.AppendBlock(Function, "fold");
        var exit = B.AppendBlock(Function, "fold.exit");
        B.Br(loop);
        B.PositionAtEnd(loop);
        var i = B.Phi(Ctx.I32);
        var acc = B.Phi(initial.Type);
        B.AddIncoming(i, I(start), pre);
        B.AddIncoming(acc, initial, pre);
        var updated = InLoop(() => body(i, acc));
        var next = B.Binary(BinaryOp.Add, i, I(step));
        var latch = B.CurrentBlock;
        B.AddIncoming(i, next, latch);
        B.AddIncoming(acc, updated, latch);
        B.CondBr(B.ICmp(IntPredicate.Slt, next, I(end)), loop, exit);
        B.PositionAtEnd(exit);
        return updated;
    }

    /// <summary>A counted loop carrying several values (register-blocked accumulators).</summary>
    public LValue[] FoldMany(long start, long end, long step, LValue[] initial, Func<LValue, LValue[], LValue[]> body)
    {
        if (end <= start)
        {
            return initial;
        }
        if (end - start <= step)
        {
            return body(I(start), initial);
        }
        var pre = B.CurrentBlock;
        var loop = B.AppendBlock(Function, "foldn");
        var exit = B.AppendBlock(Function, "foldn.exit");
        B.Br(loop);
        B.PositionAtEnd(loop);
        var i = B.Phi(Ctx.I32);
        B.AddIncoming(i, I(start), pre);
        var carried = initial.Select(v => B.Phi(v.Type)).ToArray();
        for (int k = 0; k < carried.Length; k++)
        {
            B.AddIncoming(carried[k], initial[k], pre);
        }
        var updated = InLoop(() => body(i, carried));
        var next = B.Binary(BinaryOp.Add, i, I(step));
        var latch = B.CurrentBlock;
        B.AddIncoming(i, next, latch);
        for (int k = 0; k < carried.Length; k++)
        {
            B.AddIncoming(carried[k], updated[k], latch);
        }
        B.CondBr(B.ICmp(IntPredicate.Slt, next, I(end)), loop, exit);
        B.PositionAtEnd(exit);
        return updated;
    }

    // ---- SIMD128 ------------------------------------------------------------------------------------------------
    public LValue LoadF32x4(LValue basePtr, LValue index) => B.Load(Ctx.F32x4, B.Gep(Ctx.F32, basePtr, index), 4);

    /// <summary>
    /// Loads at element <paramref name="index"/> + <paramref name="constant"/>, keeping the constant in its own GEP
    /// so it becomes the load's offset immediate (no address add per load in the hot loop). Requires
    /// <paramref name="constant"/> ≥ 0.
    /// </summary>
    public LValue LoadF32x4(LValue basePtr, LValue index, long constant)
        => B.Load(Ctx.F32x4, B.GepConst(Ctx.F32, B.Gep(Ctx.F32, basePtr, index), constant), 4);

    /// <summary>Scalar load at index + constant, as <see cref="LoadF32x4(LValue, LValue, long)"/>.</summary>
    public LValue LoadF32(LValue basePtr, LValue index, long constant)
        => B.Load(Ctx.F32, B.GepConst(Ctx.F32, B.Gep(Ctx.F32, basePtr, index), constant), 4);

    public void StoreF32x4(LValue value, LValue basePtr, LValue index, long constant)
        => B.Store(value, B.GepConst(Ctx.F32, B.Gep(Ctx.F32, basePtr, index), constant), 4);

    public void StoreF32x4(LValue value, LValue basePtr, LValue index) => B.Store(value, B.Gep(Ctx.F32, basePtr, index), 4);

    public LValue ZeroF32x4() => Ctx.Null(Ctx.F32x4);

    /// <summary>Broadcasts a scalar to all four lanes (LLVM selects v128.load32_splat when it comes from memory).</summary>
    public LValue SplatF32x4(LValue scalar)
    {
        var one = B.InsertElement(Ctx.Poison(Ctx.F32x4), scalar, I(0));
        return B.Shuffle(one, Ctx.Poison(Ctx.F32x4), Ctx.Null(Ctx.I32x4));
    }

    /// <summary>
    /// Lane <paramref name="lane"/> of <paramref name="vector"/> in all four lanes: one <c>i8x16.shuffle</c>, which
    /// Cranelift lowers to a single <c>pshufd</c>, where a <c>v128.load32_splat</c> becomes four x86 instructions
    /// (address, scalar load, <c>vmovd</c>, <c>vpbroadcastd</c>).
    /// </summary>
    public LValue BroadcastLane(LValue vector, int lane)
        => B.Shuffle(vector, Ctx.Poison(Ctx.F32x4), Ctx.ConstVector([I(lane), I(lane), I(lane), I(lane)]));

    /// <summary>
    /// a·b + c on four lanes. Uses relaxed_madd (fused where the host has FMA) when <see cref="RelaxedMadd"/>, else
    /// separately rounded mul and add: the same bits on every host, and plain vector IR that LLVM can also split into
    /// scalars for a target without simd128.
    /// </summary>
    public LValue MulAddF32x4(LValue a, LValue b, LValue c)
    {
        if (!RelaxedMadd)
        {
            return FAdd(FMul(a, b), c);
        }
        var (fn, type) = Module.Intrinsic("llvm.wasm.relaxed.madd", Ctx.F32x4);
        return B.Call(type, fn, a, b, c);
    }

    /// <summary>if (condition) then(); — no else branch.</summary>
    public void If(LValue condition, Action then)
    {
        var thenBlock = B.AppendBlock(Function, "then");
        var join = B.AppendBlock(Function, "endif");
        B.CondBr(condition, thenBlock, join);
        B.PositionAtEnd(thenBlock);
        then();
        B.Br(join);
        B.PositionAtEnd(join);
    }

    /// <summary>0 ≤ value &lt; limit, as one unsigned compare.</summary>
    public LValue InRange(LValue value, long limit) => B.ICmp(IntPredicate.Ult, value, I(limit));

    /// <summary>
    /// Loops over every index of a row-major <paramref name="dims"/> nest and hands the body the linear index of the
    /// output plus, for each stride vector, the matching linear offset (broadcast inputs use stride 0). With
    /// <paramref name="outerCount"/> (a run-time extent's data rows) the outermost loop stops there.
    /// </summary>
    public void ForEachIndex(IReadOnlyList<long> dims, IReadOnlyList<long[]> strides, Action<LValue, LValue[]> body, LValue? outerCount = null)
    {
        var outStrides = new long[dims.Count];
        long s = 1;
        for (int d = dims.Count - 1; d >= 0; d--)
        {
            outStrides[d] = s;
            s *= dims[d];
        }
        void Level(int d, LValue linear, LValue[] offsets)
        {
            if (d == dims.Count)
            {
                body(linear, offsets);
                return;
            }
            void Step(LValue i)
            {
                var next = offsets.Select((o, k) => strides[k][d] == 0 ? o : Add(o, Mul(i, strides[k][d]))).ToArray();
                Level(d + 1, Add(linear, Mul(i, outStrides[d])), next);
            }
            if (d == 0 && outerCount is { } count)
            {
                ForRuntime(I(0), count, Step);
                return;
            }
            For(dims[d], Step);
        }
        Level(0, I(0), strides.Select(_ => I(0)).ToArray());
    }

    // ---- more float maths (appended for the conformance op set; wasm has only sqrt, floor, ceil, trunc, nearest) ----
    /// <summary>
    /// logf for f32 scalars, after Cephes: split x = m·2^e with m in [√½, √2), a degree-8 polynomial for log(1+f), and
    /// e·ln2 added in two parts. About 1 ulp on normal numbers; log(0) = −∞, log(x &lt; 0) = NaN, log(+∞) = +∞.
    /// </summary>
    public LValue Log(LValue x)
    {
        var bits = B.Cast(CastOp.BitCast, x, Ctx.I32);
        var exponent = Sub(B.Binary(BinaryOp.LShr, bits, I(23)), I(126));
        var mantissa = B.Cast(CastOp.BitCast, B.Binary(BinaryOp.Or, B.Binary(BinaryOp.And, bits, I(0x807fffff)), I(0x3f000000)), Ctx.F32);
        var e = B.Cast(CastOp.SIToFP, exponent, Ctx.F32);
        var small = B.FCmp(RealPredicate.Olt, mantissa, F(0.707106781186547524));
        e = B.Select(small, FSub(e, F(1)), e);
        var m = B.Select(small, FSub(FAdd(mantissa, mantissa), F(1)), FSub(mantissa, F(1)));
        var z = FMul(m, m);
        var p = F(7.0376836292E-2);
        foreach (var c in new[] { -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1, 1.4249322787E-1, -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1 })
        {
            p = FAdd(FMul(p, m), F(c));
        }
        var y = FMul(FMul(m, z), p);
        y = FAdd(y, FMul(e, F(-2.12194440e-4)));
        y = FSub(y, FMul(z, F(0.5)));
        var result = FAdd(FAdd(m, y), FMul(e, F(0.693359375)));
        result = B.Select(B.FCmp(RealPredicate.Oeq, x, F(0)), F(double.NegativeInfinity), result);
        result = B.Select(B.FCmp(RealPredicate.Oeq, x, F(double.PositiveInfinity)), x, result);
        return B.Select(B.FCmp(RealPredicate.Uge, x, F(0)), B.Select(B.FCmp(RealPredicate.Uno, x, x), x, result), F(double.NaN));
    }

    /// <summary>tanh: an odd polynomial below |x| = 0.625 (Cephes), else 1 − 2/(e^{2|x|} + 1) with the sign restored.</summary>
    public LValue Tanh(LValue x)
    {
        var ax = CallIntrinsic("llvm.fabs", Ctx.F32, x);
        var z = FMul(x, x);
        var p = F(-5.70498872745E-3);
        foreach (var c in new[] { 2.06390887954E-2, -5.37397155531E-2, 1.33314422036E-1, -3.33332819422E-1 })
        {
            p = FAdd(FMul(p, z), F(c));
        }
        var small = FAdd(x, FMul(FMul(p, z), x));
        var large = FSub(F(1), FDiv(F(2), FAdd(Exp(FAdd(ax, ax)), F(1))));
        var signed = CallIntrinsic("llvm.copysign", Ctx.F32, large, x);
        return B.Select(B.FCmp(RealPredicate.Olt, ax, F(0.625)), small, signed);
    }

    /// <summary>
    /// erf: its Maclaurin series below |x| = 0.5 (relative accuracy where erf is small), else Abramowitz–Stegun 7.1.26
    /// (absolute error 1.5e-7), with the sign restored.
    /// </summary>
    public LValue Erf(LValue x)
    {
        var ax = CallIntrinsic("llvm.fabs", Ctx.F32, x);
        var z = FMul(x, x);
        var series = F(1.0 / 216);
        series = FAdd(FMul(F(-1.0 / 1320), z), series);
        series = FAdd(FMul(series, z), F(-1.0 / 42));
        series = FAdd(FMul(series, z), F(1.0 / 10));
        series = FAdd(FMul(series, z), F(-1.0 / 3));
        series = FAdd(FMul(series, z), F(1));
        series = FMul(FMul(series, x), F(1.1283791670955126));
        var t = FDiv(F(1), FAdd(F(1), FMul(ax, F(0.3275911))));
        var poly = F(1.061405429);
        foreach (var c in new[] { -1.453152027, 1.421413741, -0.284496736, 0.254829592 })
        {
            poly = FAdd(FMul(poly, t), F(c));
        }
        var tail = FSub(F(1), FMul(FMul(poly, t), Exp(B.FNeg(z))));
        var signed = CallIntrinsic("llvm.copysign", Ctx.F32, tail, x);
        return B.Select(B.FCmp(RealPredicate.Olt, ax, F(0.5)), series, signed);
    }

    /// <summary>
    /// powf: exact shortcuts for b = 0, 1, 2, 0.5 would need constant b, so this is the general form
    /// e^{b·ln|a|}, negated for a negative base with an odd integer exponent, NaN for a negative base with a
    /// non-integer exponent, and the IEEE cases for a = 0.
    /// </summary>
    public LValue Pow(LValue a, LValue b)
    {
        var magnitude = Exp(FMul(b, Log(CallIntrinsic("llvm.fabs", Ctx.F32, a))));
        var isInteger = B.FCmp(RealPredicate.Oeq, CallIntrinsic("llvm.trunc", Ctx.F32, b), b);
        var half = FMul(b, F(0.5));
        var isOdd = B.Binary(BinaryOp.And, isInteger, B.FCmp(RealPredicate.One, CallIntrinsic("llvm.trunc", Ctx.F32, half), half));
        var negativeBase = B.FCmp(RealPredicate.Olt, a, F(0));
        var forNegative = B.Select(isInteger, B.Select(isOdd, B.FNeg(magnitude), magnitude), F(double.NaN));
        var result = B.Select(negativeBase, forNegative, magnitude);
        var zeroBase = B.FCmp(RealPredicate.Oeq, a, F(0));
        var zeroResult = B.Select(B.FCmp(RealPredicate.Ogt, b, F(0)), F(0), F(double.PositiveInfinity));
        result = B.Select(zeroBase, zeroResult, result);
        return B.Select(B.FCmp(RealPredicate.Oeq, b, F(0)), F(1), result);
    }

    // ---- runtime-bounded loops and conversions (kernels whose extents come from data: Det, RoiAlign, TfIdf) ----------
    /// <summary>
    /// for (i = start; i &lt; end; i++) body(i) with bounds known only at run time (signed compare). The guard makes an
    /// empty or negative range run zero times.
    /// </summary>
    public void ForRuntime(LValue start, LValue end, Action<LValue> body)
    {
        var pre = B.CurrentBlock;
        var loop = B.AppendBlock(Function, "rloop");
        var exit = B.AppendBlock(Function, "rloop.exit");
        B.CondBr(B.ICmp(IntPredicate.Slt, start, end), loop, exit);
        B.PositionAtEnd(loop);
        var i = B.Phi(Ctx.I32);
        B.AddIncoming(i, start, pre);
        InLoop(() => body(i));
        var next = B.Binary(BinaryOp.Add, i, I(1));
        B.AddIncoming(i, next, B.CurrentBlock);
        B.CondBr(B.ICmp(IntPredicate.Slt, next, end), loop, exit);
        B.PositionAtEnd(exit);
    }

    /// <summary>As <see cref="ForRuntime"/>, carrying values; returns them unchanged when the range is empty.</summary>
    public LValue[] FoldRuntime(LValue start, LValue end, LValue[] initial, Func<LValue, LValue[], LValue[]> body)
    {
        var pre = B.CurrentBlock;
        var loop = B.AppendBlock(Function, "rfold");
        var latchExit = B.AppendBlock(Function, "rfold.done");
        var exit = B.AppendBlock(Function, "rfold.exit");
        B.CondBr(B.ICmp(IntPredicate.Slt, start, end), loop, exit);
        B.PositionAtEnd(loop);
        var i = B.Phi(Ctx.I32);
        B.AddIncoming(i, start, pre);
        var carried = initial.Select(v => B.Phi(v.Type)).ToArray();
        for (int k = 0; k < carried.Length; k++)
        {
            B.AddIncoming(carried[k], initial[k], pre);
        }
        var updated = InLoop(() => body(i, carried));
        var next = B.Binary(BinaryOp.Add, i, I(1));
        var latch = B.CurrentBlock;
        B.AddIncoming(i, next, latch);
        for (int k = 0; k < carried.Length; k++)
        {
            B.AddIncoming(carried[k], updated[k], latch);
        }
        B.CondBr(B.ICmp(IntPredicate.Slt, next, end), loop, latchExit);
        B.PositionAtEnd(latchExit);
        B.Br(exit);
        B.PositionAtEnd(exit);
        var results = new LValue[initial.Length];
        for (int k = 0; k < initial.Length; k++)
        {
            results[k] = B.Phi(initial[k].Type);
            B.AddIncoming(results[k], initial[k], pre);
            B.AddIncoming(results[k], updated[k], latchExit);
        }
        return results;
    }

    /// <summary>float → i32 rounding toward zero, saturating, NaN to 0: never poison, so it may feed addresses.</summary>
    public LValue FloatToI32(LValue value) => CallIntrinsic2("llvm.fptosi.sat", Ctx.I32, value.Type, value);

    /// <summary>Calls an intrinsic overloaded on two types (result and operand), such as llvm.fptosi.sat.</summary>
    public LValue CallIntrinsic2(string name, LType first, LType second, params LValue[] args)
    {
        var (fn, type) = Module.Intrinsic(name, first, second);
        return B.Call(type, fn, args);
    }
}
