using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>
/// If and Loop as static programs. The IR has no control flow, so every branch and iteration that can run is written
/// out by <see cref="SubgraphInliner"/>:
/// <list type="bullet">
/// <item>If with a constant condition is its taken branch. With a runtime condition both branches are computed and
/// each output is a Where on the condition; this is exact because ONNX ops have no side effects, and needs both
/// branches to give an output the same static type.</item>
/// <item>Loop is unrolled when its trip count is a constant and its condition is known at compile time in every
/// iteration (a constant, the incoming condition passed through, or anything that folds, such as a comparison of
/// the iteration number): loop-carried values thread from one inlined body to the next, and the scan outputs are the
/// per-iteration values stacked on a new axis 0.</item>
/// </list>
/// Unrolling is bounded by <see cref="ImportLimits.MaxUnrolledNodes"/>.
/// </summary>
internal static class ControlFlowImporters
{
    public static void If(OnnxNode node, int opset, ImportContext context)
    {
        var d = new Decomposer(node, context);
        string cond = context.Input(node, 0);
        if (d.TypeOf(cond).Shape.ElementCount != 1)
        {
            throw context.Error(node, $"cond has shape {d.ShapeOf(cond)}; it must hold one value");
        }
        var thenBranch = new SubgraphInliner(node, context, "then_branch");
        var elseBranch = new SubgraphInliner(node, context, "else_branch");
        if (thenBranch.Outputs.Count != node.Outputs.Count || elseBranch.Outputs.Count != node.Outputs.Count)
        {
            throw context.Error(node, $"has {node.Outputs.Count} outputs, but then_branch has {thenBranch.Outputs.Count} and else_branch {elseBranch.Outputs.Count}");
        }
        if (d.ConstantOrNull(cond) is { } known)
        {
            bool taken = known.ToInt64Array()[0] != 0;
            var values = (taken ? thenBranch : elseBranch).Inline(taken ? "then" : "else", []);
            BindOutputs(d, node, values);
            return;
        }
        var thenValues = thenBranch.Inline("then", []);
        var elseValues = elseBranch.Inline("else", []);
        string scalarCond = d.Reshape(cond, []);
        for (int i = 0; i < node.Outputs.Count; i++)
        {
            if (!node.HasOutput(i))
            {
                continue;
            }
            TensorType thenType = d.TypeOf(thenValues[i]), elseType = d.TypeOf(elseValues[i]);
            if (thenType != elseType)
            {
                throw context.Unsupported(node, $"the condition is a runtime value and output {i} ('{node.Outputs[i]}') is {thenType} in then_branch "
                    + $"but {elseType} in else_branch; both branches are computed and selected with Where, which needs one static type");
            }
            if (thenValues[i] == elseValues[i])
            {
                d.Bind(thenValues[i], node.Outputs[i]);
            }
            else
            {
                d.Op("Where", [scalarCond, thenValues[i], elseValues[i]], output: node.Outputs[i]);
            }
        }
    }

    /// <summary>
    /// Loop(M, cond, v_initial…) → (v_final…, scan_outputs…); the body maps (iteration_num, cond, v…) to
    /// (cond, v…, scan…).
    /// </summary>
    public static void Loop(OnnxNode node, int opset, ImportContext context)
    {
        var d = new Decomposer(node, context);
        var body = new SubgraphInliner(node, context, "body");
        int carriedCount = Math.Max(0, node.Inputs.Count - 2);
        int scanCount = body.Outputs.Count - 1 - carriedCount;
        if (body.FormalInputs.Count != carriedCount + 2 || scanCount < 0 || node.Outputs.Count > carriedCount + scanCount)
        {
            throw context.Error(node, $"has {carriedCount} loop-carried values, but its body takes {body.FormalInputs.Count} inputs and gives {body.Outputs.Count} outputs");
        }
        long? tripCount = node.HasInput(0) ? CompileTimeScalar(node, context, 0, "trip count M") : null;
        bool running = !node.HasInput(1) || CompileTimeScalar(node, context, 1, "initial condition") != 0;
        if (tripCount is { } m)
        {
            CheckUnrollLimit(node, context, m, body.NodeCount);
        }
        var carried = Enumerable.Range(2, carriedCount).Select(i => context.Input(node, i)).ToList();
        var scans = Enumerable.Range(0, scanCount).Select(_ => new List<string>()).ToList();
        string alwaysTrue = d.Constant(TensorData.FromArray<byte>(DataType.Bool, Shape.Scalar, [1]), "cond");
        for (long i = 0; running && (tripCount is null || i < tripCount); i++)
        {
            CheckUnrollLimit(node, context, i + 1, body.NodeCount);
            // An iteration runs only when the condition it receives is true, so the body's cond input is the constant true.
            var outputs = body.Inline($"iter{i}", [d.Scalar(i, DataType.Int64), alwaysTrue, .. carried]);
            running = d.ConstantOrNull(outputs[0]) is { } cond
                ? cond.ToInt64Array()[0] != 0
                : throw context.Unsupported(node, $"Loop with a data-dependent condition cannot be compiled statically (the body's condition "
                    + $"'{body.Outputs[0]}' is not known at compile time in iteration {i})");
            carried = outputs.Skip(1).Take(carriedCount).ToList();
            for (int k = 0; k < scanCount; k++)
            {
                scans[k].Add(outputs[1 + carriedCount + k]);
            }
        }
        BindOutputs(d, node, carried);
        for (int k = 0; k < scanCount; k++)
        {
            if (node.HasOutput(carriedCount + k))
            {
                d.Bind(Stack(d, node, context, scans[k], axis: 0, $"scan output {k}"), node.Outputs[carriedCount + k]);
            }
        }
    }

    /// <summary>Stacks per-iteration values on a new axis (Reshape each to insert it, then Concat).</summary>
    public static string Stack(Decomposer d, OnnxNode node, ImportContext context, IReadOnlyList<string> values, int axis, string what)
    {
        if (values.Count == 0)
        {
            throw context.Unsupported(node, $"{what} is empty (no iteration runs), and its element shape is not known statically");
        }
        var first = d.TypeOf(values[0]);
        if (values.FirstOrDefault(v => d.TypeOf(v) != first) is { } other)
        {
            throw context.Error(node, $"{what} changes type between iterations ({first}, then {d.TypeOf(other)})");
        }
        var dims = first.Shape.Dims.ToList();
        dims.Insert(axis, 1);
        return d.Concat(axis, values.Select(v => d.Reshape(v, dims)).ToList());
    }

    /// <summary>
    /// Refuses unrolling <paramref name="iterations"/> copies of a body beyond <see cref="ImportLimits.MaxUnrolledNodes"/>
    /// (an empty body counts as one node, so a huge trip count cannot spin forever on nothing).
    /// </summary>
    public static void CheckUnrollLimit(OnnxNode node, ImportContext context, long iterations, long bodyNodes)
    {
        long limit = context.Limits.MaxUnrolledNodes;
        if (iterations > limit / Math.Max(1, bodyNodes))
        {
            throw context.Unsupported(node, $"unrolling {iterations} iterations of a {bodyNodes}-node body exceeds the limit of "
                + $"{limit} unrolled nodes (ImportLimits.MaxUnrolledNodes)");
        }
    }

    private static void BindOutputs(Decomposer d, OnnxNode node, IReadOnlyList<string> values)
    {
        for (int i = 0; i < values.Count && i < node.Outputs.Count; i++)
        {
            if (node.HasOutput(i))
            {
                d.Bind(values[i], node.Outputs[i]);
            }
        }
    }

    private static long CompileTimeScalar(OnnxNode node, ImportContext context, int index, string role)
    {
        // A Loop is unrolled at compile time, so its trip count and first condition decide the program.
        var data = context.OptionalParameter(node, index, role) ?? throw context.Error(node, $"the {role} is required");
        return data.Type.Shape.ElementCount == 1 ? data.ToInt64Array()[0] : throw context.Error(node, $"the {role} has shape {data.Type.Shape}; it must hold one value");
    }
}
