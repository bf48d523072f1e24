using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Codegen;

/// <summary>
/// The start of <c>wg_run</c> in a module with a run-time extent (docs/abi.md, "Bounded dynamic inputs"): reads the
/// dims the host wrote through <c>wg_input_dims</c>, returns <see cref="ModuleAbi.BadInputDims"/> without running
/// when any is wrong (a static axis not its length, an extent axis outside [min, bound], two inputs that disagree on
/// the extent), else stores the extent in <c>wg_extent</c> for the kernels and in the <c>wg_output_dims</c> entries of
/// every output that follows it. The dims come from the host, so nothing is trusted before this check.
/// </summary>
internal static class RunTimeExtentCheck
{
    public static void Emit(Emitter e, Graph graph, RunTimeExtent extent, LValue run, IReadOnlyDictionary<string, LValue> inputDims,
                            IReadOnlyDictionary<string, LValue> outputDims, LValue extentGlobal)
    {
        var ctx = e.Ctx;
        var bad = e.B.AppendBlock(run, "bad_dims");
        LValue? first = null;
        foreach (var input in graph.Inputs)
        {
            var dims = graph.TypeOf(input).Shape.Dims;
            var axes = extent.AxesOf(input);
            for (int axis = 0; axis < dims.Length; axis++)
            {
                var dim = e.Load(ctx.I32, 4, inputDims[input], e.I(axis));
                LValue ok;
                if (!axes.Contains(axis))
                {
                    ok = e.B.ICmp(IntPredicate.Eq, dim, e.I(dims[axis]));
                }
                else if (first is null)
                {
                    // min ≤ dim ≤ bound as one unsigned comparison of dim − min against bound − min.
                    ok = e.B.ICmp(IntPredicate.Ule, e.Sub(dim, e.I(extent.Min)), e.I(extent.Bound - extent.Min));
                    first = dim;
                }
                else
                {
                    ok = e.B.ICmp(IntPredicate.Eq, dim, first.Value);
                }
                var next = e.B.AppendBlock(run, "dims_ok");
                e.B.CondBr(ok, next, bad);
                e.B.PositionAtEnd(next);
            }
        }
        var value = first ?? e.I(extent.Bound);
        e.B.Store(value, extentGlobal, 4);
        foreach (var output in graph.Outputs.Distinct(StringComparer.Ordinal))
        {
            foreach (var axis in extent.AxesOf(output).Axes)
            {
                e.Store(ctx.I32, 4, value, outputDims[output], e.I(axis));
            }
        }
        var body = e.B.AppendBlock(run, "run");
        e.B.Br(body);
        e.B.PositionAtEnd(bad);
        e.B.Ret(e.I(ModuleAbi.BadInputDims));
        e.B.PositionAtEnd(body);
    }
}
