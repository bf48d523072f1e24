using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// CheckParameter (src/Abstractions/Ops/Definitions/ParameterCheck.cs): reads the run-time value, finds the first
/// accepted candidate equal to it in a table embedded in the module (a scalar scan: the table holds a few to a few
/// thousand short vectors, and the op runs once per node per inference), traps when there is none, and copies the
/// outputs of the matching specialisation. A float value matches only when it is exactly that integer.
/// </summary>
internal sealed class CheckParameterKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = [CheckParameterOp.Name];

    public IReadOnlySet<DataType> ElementTypes => KernelTypes.All;

    public string? CheckSupported(Node node, Graph graph) => null;

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var ctx = e.Ctx;
        var valueType = k.InputType(0);
        int n = (int)valueType.Shape.ElementCount;
        var (groups, perGroup) = CheckParameterOp.Layout(k.Node, n);
        var candidates = k.Attributes.GetInts("candidates");
        var groupOf = k.Attributes.GetInts("groups");

        var elements = new LValue[n];
        LValue exact = ctx.Int(ctx.I1, 1);
        for (int i = 0; i < n; i++)
        {
            (elements[i], var isExact) = LoadAsInt64(e, valueType.ElementType, k.Input(0), i);
            if (isExact is { } flag)
            {
                exact = e.B.Binary(BinaryOp.And, exact, flag);
            }
        }
        var table = k.EmbedLongs(candidates.ToArray());
        var groupTable = k.EmbedInts(groupOf.Select(g => (int)g).ToArray());
        var chosen = e.Fold(0, groupOf.Length, 1, e.I(-1), (c, found) =>
        {
            LValue match = exact;
            for (int i = 0; i < n; i++)
            {
                var candidate = e.Load(ctx.I64, 8, table, e.Add(e.Mul(c, n), i));
                match = e.B.Binary(BinaryOp.And, match, e.B.ICmp(IntPredicate.Eq, candidate, elements[i]));
            }
            var first = e.B.Binary(BinaryOp.And, match, e.B.ICmp(IntPredicate.Slt, found, e.I(0)));
            return e.B.Select(first, e.Load(ctx.I32, 4, groupTable, c), found);
        });
        // A value the module was not compiled for: stop the run rather than compute shapes it does not have.
        var failed = FailureFunction(e, k.Node);
        e.If(e.B.ICmp(IntPredicate.Slt, chosen, e.I(0)), () => e.B.Call(e.Ctx.Function(e.Ctx.Void, []), failed, []));
        for (int g = 0; g < groups; g++)
        {
            int group = g;
            void Copy()
            {
                for (int j = 0; j < perGroup; j++)
                {
                    e.CopyBytes(k.Output(j), e.I(0), k.Input(1 + group * perGroup + j), e.I(0), k.OutputType(j).ByteSize);
                }
            }
            if (groups == 1)
            {
                Copy();
            }
            else
            {
                e.If(e.B.ICmp(IntPredicate.Eq, chosen, e.I(g)), Copy);
            }
        }
    }

    /// <summary>Prefix of the function a failed check traps in; the Wasmtime host finds it in the trap's backtrace.</summary>
    public const string FailureFunctionPrefix = "wg_check_failed:";

    /// <summary>
    /// A function that only traps, never inlined and named after the node (<see cref="FailureFunctionPrefix"/> + node
    /// name): the trap's backtrace then says which check failed (the kernel itself is usually inlined into wg_run).
    /// </summary>
    private static LValue FailureFunction(Emitter e, Node node)
    {
        var ctx = e.Ctx;
        var function = e.Module.AddFunction(FailureFunctionPrefix + node.Name, ctx.Function(ctx.Void, []), Linkage.Internal);
        e.Module.AddAttribute(function, uint.MaxValue, "noinline");
        e.Module.AddAttribute(function, uint.MaxValue, "cold");
        using var builder = new LlvmBuilder(ctx);
        builder.PositionAtEnd(builder.AppendBlock(function, "entry"));
        var (trap, type) = e.Module.Intrinsic("llvm.trap");
        builder.Call(type, trap, []);
        builder.RetVoid();
        return function;
    }

    /// <summary>Element <paramref name="index"/> as an int64, and for floats whether it is exactly that integer.</summary>
    private static (LValue Value, LValue? Exact) LoadAsInt64(Emitter e, DataType type, LValue basePtr, int index)
    {
        var ctx = e.Ctx;
        switch (type)
        {
            case DataType.Int64:
                return (e.Load(ctx.I64, 8, basePtr, e.I(index)), null);
            case DataType.Int32:
                return (e.B.Cast(CastOp.SExt, e.Load(ctx.I32, 4, basePtr, e.I(index)), ctx.I64), null);
            default:
                var floatType = type == DataType.Float64 ? ctx.F64 : ctx.F32;
                var value = e.Load(floatType, type.SizeOf(), basePtr, e.I(index));
                var integer = e.CallIntrinsic2("llvm.fptosi.sat", ctx.I64, floatType, value);
                var back = e.B.Cast(CastOp.SIToFP, integer, floatType);
                return (integer, e.B.FCmp(RealPredicate.Oeq, back, value));
        }
    }
}
