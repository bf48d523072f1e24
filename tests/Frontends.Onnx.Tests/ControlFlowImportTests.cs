namespace WasmGraph.Frontends.Onnx.Tests;

/// <summary>
/// If, Loop and Scan imported as static programs (taken branch or Where of both, unrolled bodies), against ONNX
/// Runtime. The unrolled programs run the same ops in the same order as ONNX Runtime's interpreter, so the tolerance is
/// 1e-5 × max|expected| (float rounding of the backend's kernels only); integer outputs are exact.
/// </summary>
public class ControlFlowImportTests
{
    private const double Tolerance = 1e-5;

    private static TensorData Bool(bool value) => TensorData.FromArray<byte>(DataType.Bool, Shape.Scalar, [value ? (byte)1 : (byte)0]);

    private static TensorData Int64(long value) => TensorData.FromInt64s(Shape.Scalar, [value]);

    /// <summary>then: x + y; else: x·y − x. Both read x and y from the enclosing graph.</summary>
    private static OnnxModelBuilder IfModel(bool? constantCond, OnnxModelBuilder? elseBranch = null)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3)
            .Input("y", DataType.Float32, 2, 3);
        model = constantCond is { } c ? model.Initializer("cond", Bool(c)) : model.Input("cond", DataType.Bool);
        var thenBranch = new OnnxModelBuilder().Node("Add", ["x", "y"], ["sum"]).Output("sum", DataType.Float32, 2, 3);
        elseBranch ??= new OnnxModelBuilder().Node("Mul", ["x", "y"], ["product"]).Node("Sub", ["product", "x"], ["difference"])
            .Output("difference", DataType.Float32, 2, 3);
        return model
            .NamedNode("choose", "If", ["cond"], ["z"], OnnxAttr.Graph("then_branch", thenBranch), OnnxAttr.Graph("else_branch", elseBranch))
            .Output("z", DataType.Float32, 2, 3);
    }

    private static readonly Dictionary<string, TensorData> XY = new()
    {
        ["x"] = TestTensors.Random([2, 3], seed: 1),
        ["y"] = TestTensors.Random([2, 3], seed: 2),
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ItImportsOnlyTheTakenBranchOfAConstantIf(bool cond)
    {
        var model = IfModel(cond);

        OrtParity.AssertMatchesOnnxRuntime(model, XY, Tolerance);
        Assert.Equal(cond ? new[] { "Add" } : new[] { "Mul", "Sub" }, Import.Load(model).Ops());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ItComputesBothBranchesOfARuntimeIfAndSelectsWithWhere(bool cond)
    {
        var model = IfModel(constantCond: null);
        var inputs = new Dictionary<string, TensorData>(XY) { ["cond"] = Bool(cond) };

        OrtParity.AssertMatchesOnnxRuntime(model, inputs, Tolerance);
        Assert.Contains("Where", Import.Load(model).Ops());
    }

    [Fact]
    public void ItRefusesARuntimeIfWhoseBranchesDifferInType()
    {
        var transposed = new OnnxModelBuilder().Node("Transpose", ["x"], ["xt"]).Output("xt", DataType.Float32, 3, 2);

        var error = Assert.Throws<UnsupportedOpException>(() => Import.Load(IfModel(constantCond: null, transposed)));

        Assert.Contains("unsupported: If (opset 13) at node choose", error.Message);
        Assert.Contains("is float32[2,3] in then_branch but float32[3,2] in else_branch", error.Message);
    }

    /// <summary>
    /// Loop(M, cond, acc0) with body (i, c, acc) ↦ (c, acc + i·x, (acc + i·x)²): x is read from the outer scope, acc is
    /// loop-carried and the square is a scan output. <paramref name="condOut"/> adds the body nodes that define c_out.
    /// </summary>
    private static OnnxModelBuilder LoopModel(long tripCount, Action<OnnxModelBuilder> condOut, Action<OnnxModelBuilder>? extraBody = null, string carried = "acc_out")
    {
        var body = new OnnxModelBuilder()
            .Input("i", DataType.Int64)
            .Input("c", DataType.Bool)
            .Input("acc", DataType.Float32, 3)
            .Node("Cast", ["i"], ["fi"], OnnxAttr.Int("to", (long)DataType.Float32))
            .Node("Mul", ["x", "fi"], ["xi"])
            .Node("Add", ["acc", "xi"], ["acc_out"]);
        extraBody?.Invoke(body);
        condOut(body);
        body.Node("Mul", [carried, carried], ["square"])
            .Output("c_out", DataType.Bool)
            .Output(carried, DataType.Float32, 3)
            .Output("square", DataType.Float32, 3);
        return new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 3)
            .Input("acc0", DataType.Float32, 3)
            .Initializer("M", Int64(tripCount))
            .Initializer("cond", Bool(true))
            .NamedNode("loop", "Loop", ["M", "cond", "acc0"], ["acc_final", "squares"], OnnxAttr.Graph("body", body))
            .Output("acc_final", DataType.Float32, 3)
            .Output("squares", DataType.Float32);
    }

    private static readonly Dictionary<string, TensorData> LoopInputs = new()
    {
        ["x"] = TestTensors.Random([3], seed: 3),
        ["acc0"] = TestTensors.Random([3], seed: 4),
    };

    private static void PassCondThrough(OnnxModelBuilder body) => body.Node("Identity", ["c"], ["c_out"]);

    [Fact]
    public void ItUnrollsALoopWithAConstantTripCount()
    {
        var model = LoopModel(4, PassCondThrough);

        OrtParity.AssertMatchesOnnxRuntime(model, LoopInputs, Tolerance);
        Assert.Equal(new long[] { 4, 3 }, Import.Load(model).Dims("squares"));
    }

    [Fact]
    public void ItStopsTheUnrollingWhereAConditionOnTheIterationNumberTurnsFalse()
    {
        // c_out = i < 2: the iterations 0, 1 and 2 run (the body runs once more before the loop sees false).
        var model = LoopModel(10, body => body
            .Node("Constant", [], ["two"], OnnxAttr.Tensor("value", Int64(2)))
            .Node("Less", ["i", "two"], ["c_out"]));

        OrtParity.AssertMatchesOnnxRuntime(model, LoopInputs, Tolerance);
        Assert.Equal(new long[] { 3, 3 }, Import.Load(model).Dims("squares"));
    }

    [Fact]
    public void ItUnrollsALoopWhoseBodyHoldsIfs()
    {
        // Per iteration: an If on i < 2 (known once unrolled) reads the body's acc_out and the outer x; an If on the
        // runtime input flag is computed both ways.
        var add = new OnnxModelBuilder().Node("Add", ["acc_out", "x"], ["a"]).Output("a", DataType.Float32, 3);
        var sub = new OnnxModelBuilder().Node("Sub", ["acc_out", "x"], ["s"]).Output("s", DataType.Float32, 3);
        var twice = new OnnxModelBuilder().Node("Add", ["early_out", "early_out"], ["t"]).Output("t", DataType.Float32, 3);
        var same = new OnnxModelBuilder().Node("Neg", ["early_out"], ["n"]).Output("n", DataType.Float32, 3);
        var model = LoopModel(4, PassCondThrough, body => body
            .Node("Constant", [], ["two"], OnnxAttr.Tensor("value", Int64(2)))
            .Node("Less", ["i", "two"], ["early"])
            .Node("If", ["early"], ["early_out"], OnnxAttr.Graph("then_branch", add), OnnxAttr.Graph("else_branch", sub))
            .Node("If", ["flag"], ["flagged_out"], OnnxAttr.Graph("then_branch", twice), OnnxAttr.Graph("else_branch", same)),
            carried: "flagged_out");
        model.Input("flag", DataType.Bool);

        foreach (bool flag in new[] { true, false })
        {
            OrtParity.AssertMatchesOnnxRuntime(model, new Dictionary<string, TensorData>(LoopInputs) { ["flag"] = Bool(flag) }, Tolerance);
        }
    }

    [Fact]
    public void ItSharesBodyInitializersAndConstantsAcrossIterations()
    {
        var model = LoopModel(3, PassCondThrough, body => body
            .Initializer("w", TestTensors.Random([3], seed: 10))
            .Node("Constant", [], ["shift"], OnnxAttr.Tensor("value", TestTensors.Random([3], seed: 11)))
            .Node("Mul", ["acc_out", "w"], ["scaled"])
            .Node("Add", ["scaled", "shift"], ["shifted"]),
            carried: "shifted");

        OrtParity.AssertMatchesOnnxRuntime(model, LoopInputs, Tolerance);
        var graph = Import.Load(model);
        Assert.Equal(3, graph.Nodes.Count(n => n.Op == "Mul" && n.Inputs.Any(i => i.Contains("/body/w", StringComparison.Ordinal))));
        Assert.Single(graph.Constants.Keys, k => k.Contains("/body/w", StringComparison.Ordinal));
        Assert.Single(graph.Constants.Keys, k => k.Contains("/shift", StringComparison.Ordinal));
    }

    [Fact]
    public void ItRefusesALoopWithADataDependentCondition()
    {
        var model = LoopModel(100, body => body
            .Node("ReduceSum", ["acc_out"], ["total"], OnnxAttr.Int("keepdims", 0))
            .Node("Constant", [], ["ten"], OnnxAttr.Tensor("value", TensorData.FromFloats(Shape.Scalar, [10f])))
            .Node("Less", ["total", "ten"], ["c_out"]));

        var error = Assert.Throws<UnsupportedOpException>(() => Import.Load(model));

        Assert.Contains("unsupported: Loop (opset 13) at node loop: Loop with a data-dependent condition cannot be compiled statically", error.Message);
    }

    [Fact]
    public void ItRefusesALoopBeyondTheUnrollingLimit()
    {
        var error = Assert.Throws<UnsupportedOpException>(() => Import.Load(LoopModel(5000, PassCondThrough)));

        Assert.Contains("unsupported: Loop (opset 13) at node loop: unrolling 5000 iterations of a 5-node body exceeds the limit of 10000", error.Message);
    }

    [Fact]
    public void ItRefusesALoopWithARuntimeTripCount()
    {
        var model = LoopModel(4, PassCondThrough);
        model.Graph.Initializer.Remove(model.Graph.Initializer.Single(i => i.Name == "M"));
        model.Input("M", DataType.Int64);

        var error = Assert.Throws<UnsupportedOpException>(() => Import.Load(model));

        Assert.Contains("at node loop: input 'trip count M' ('M') must be known at compile time", error.Message);
        Assert.Contains("--bind M=M.npy", error.Message);
    }

    [Fact]
    public void ItUnrollsAScanWithAxesAndDirections()
    {
        // State s ↦ (s + a)·b; scan outputs a + b (appended on axis 0) and s + a (prepended on axis 1).
        // a is read along axis 0 forwards, b along axis 1 backwards.
        var body = new OnnxModelBuilder()
            .Input("s", DataType.Float32, 2).Input("a", DataType.Float32, 2).Input("b", DataType.Float32, 2)
            .Node("Add", ["s", "a"], ["s_plus_a"])
            .Node("Mul", ["s_plus_a", "b"], ["s_out"])
            .Node("Add", ["a", "b"], ["a_plus_b"])
            .Output("s_out", DataType.Float32, 2).Output("a_plus_b", DataType.Float32, 2).Output("s_plus_a", DataType.Float32, 2);
        var model = new OnnxModelBuilder().Opset(11)
            .Input("s0", DataType.Float32, 2).Input("xs", DataType.Float32, 4, 2).Input("ys", DataType.Float32, 2, 4)
            .NamedNode("scan", "Scan", ["s0", "xs", "ys"], ["s_final", "sums", "states"], OnnxAttr.Graph("body", body),
                OnnxAttr.Int("num_scan_inputs", 2), OnnxAttr.Ints("scan_input_axes", 0, 1), OnnxAttr.Ints("scan_input_directions", 0, 1),
                OnnxAttr.Ints("scan_output_axes", 0, -1), OnnxAttr.Ints("scan_output_directions", 0, 1))
            .Output("s_final", DataType.Float32, 2).Output("sums", DataType.Float32, 4, 2).Output("states", DataType.Float32, 2, 4);
        var inputs = new Dictionary<string, TensorData>
        {
            ["s0"] = TestTensors.Random([2], seed: 5),
            ["xs"] = TestTensors.Random([4, 2], seed: 6),
            ["ys"] = TestTensors.Random([2, 4], seed: 7),
        };

        OrtParity.AssertMatchesOnnxRuntime(model, inputs, Tolerance);
    }

    [Fact]
    public void ItUnrollsAnOpset8ScanPerBatchEntry()
    {
        var body = new OnnxModelBuilder()
            .Input("s", DataType.Float32, 3).Input("a", DataType.Float32, 3)
            .Node("Add", ["s", "a"], ["s_out"])
            .Node("Mul", ["s_out", "a"], ["product"])
            .Output("s_out", DataType.Float32, 3).Output("product", DataType.Float32, 3);
        var model = new OnnxModelBuilder().Opset(8)
            .Input("s0", DataType.Float32, 2, 3).Input("xs", DataType.Float32, 2, 4, 3)
            .NamedNode("scan", "Scan", ["", "s0", "xs"], ["s_final", "products"], OnnxAttr.Graph("body", body),
                OnnxAttr.Int("num_scan_inputs", 1), OnnxAttr.Ints("directions", 1))
            .Output("s_final", DataType.Float32, 2, 3).Output("products", DataType.Float32, 2, 4, 3);
        var inputs = new Dictionary<string, TensorData>
        {
            ["s0"] = TestTensors.Random([2, 3], seed: 8),
            ["xs"] = TestTensors.Random([2, 4, 3], seed: 9),
        };

        OrtParity.AssertMatchesOnnxRuntime(model, inputs, Tolerance);
    }
}
