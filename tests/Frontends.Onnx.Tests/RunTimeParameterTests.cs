using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Frontends.Onnx.Tests;

/// <summary>
/// Shape-deciding inputs given at run time when the model declares the node's output types (RunTimeParameters):
/// every value that gives the declared shapes is accepted at run time and computes what ONNX Runtime computes with it
/// (exactly: these ops only move or add values in the same order); a value that contradicts the compiled shapes stops
/// the run with an error naming the check, never an output; an undeclared output shape is a compile error that names
/// the node, op and input and says to bind the value or declare the shape.
/// </summary>
public class RunTimeParameterTests
{
    private static TensorData Longs(params long[] values) => TensorData.FromInt64s(new Shape(values.Length), values);

    private static OnnxModelBuilder ReshapeModel(bool declared)
        => new OnnxModelBuilder().Opset(14)
            .Input("data", DataType.Float32, 2, 3, 4)
            .Input("shape", DataType.Int64, 3)
            .Node("Reshape", ["data", "shape"], ["reshaped"])
            .Output("reshaped", DataType.Float32, declared ? [2, 6, 2] : []);

    [Theory]
    [InlineData(2L, 6L, 2L)]
    [InlineData(2L, -1L, 2L)]
    [InlineData(0L, 6L, -1L)]
    [InlineData(-1L, 6L, 2L)]
    public void AReshapeWithARunTimeShapeAcceptsEveryShapeThatGivesTheDeclaredOne(long a, long b, long c)
    {
        var graph = Import.Load(ReshapeModel(declared: true));
        Assert.Contains("shape", graph.Inputs);
        Assert.Single(graph.Nodes, n => n.Op == CheckParameterOp.Name);

        var inputs = OrtParity.Inputs(("data", TestTensors.Random([2, 3, 4], seed: 3)), ("shape", Longs(a, b, c)));
        OrtParity.AssertMatchesOnnxRuntime(ReshapeModel(declared: true), inputs, tolerance: 0);
    }

    [Theory]
    [InlineData(4L, 3L, 2L)]
    [InlineData(2L, -1L, -1L)]
    [InlineData(0L, 6L, 0L)]
    public void AReshapeWithARunTimeShapeThatContradictsTheDeclaredOneStopsTheRun(long a, long b, long c)
    {
        var inputs = OrtParity.Inputs(("data", TestTensors.Random([2, 3, 4], seed: 3)), ("shape", Longs(a, b, c)));

        var error = Assert.ThrowsAny<WasmGraphException>(() => OrtParity.Run(ReshapeModel(declared: true), inputs));
        Assert.Contains("node 'Reshape_0', op Reshape: the run-time value of input 'shape' contradicts the output shapes", error.Message);
        Assert.Contains("--bind", error.Message);
    }

    [Fact]
    public void TrialsBeyondTheModelsBudgetAreRefusedNamingTheNodeInsteadOfCompilingForHours()
    {
        var limits = new ImportLimits { MaxRunTimeParameterTrials = 10 };
        using var stream = new MemoryStream(ReshapeModel(declared: true).ToBytes());

        var error = Assert.Throws<ModelException>(() => new OnnxFrontend(limits).Load(stream, new FrontendOptions { SourceName = Import.File }));

        Assert.Equal("Reshape_0", error.NodeName);
        Assert.Contains("input 'shape'", error.Message);
        Assert.Contains("more than 10 trial imports in all", error.Message);
    }

    [Fact]
    public void AThreadedModuleStoppedByAContradictingRunTimeShapeNamesTheCheckToo()
    {
        var module = WasmPipeline.Compile(Import.Load(ReshapeModel(declared: true)), new BackendOptions { Threads = 2 }).Bytes;
        using var wasmtime = new WasmGraph.Runtimes.Wasmtime.WasmtimeRuntime();
        IRuntime runtime = wasmtime; // the interface's Load takes threaded modules
        using var session = runtime.Load(module, new RuntimeOptions { Threads = 2 });
        var inputs = OrtParity.Inputs(("data", TestTensors.Random([2, 3, 4], seed: 3)), ("shape", Longs(4, 3, 2)));

        var error = Assert.ThrowsAny<WasmGraphException>(() => session.Run(inputs));
        Assert.Contains("node 'Reshape_0', op Reshape: the run-time value of input 'shape' contradicts the output shapes", error.Message);
    }

    [Fact]
    public void AShapeDecidingRunTimeInputWithoutADeclaredOutputShapeNamesTheNodeOpInputAndBothRemedies()
    {
        var error = Assert.Throws<ModelException>(() => Import.Load(ReshapeModel(declared: false)));

        Assert.Equal("Reshape", error.Op);
        Assert.Equal("Reshape_0", error.NodeName);
        Assert.Contains("input 'shape'", error.Message);
        Assert.Contains("--bind shape=shape.npy", error.Message);
        Assert.Contains("does not declare", error.Message);
    }

    /// <summary>ReduceSum with run-time axes, keepdims=0 over [3,2,2] to a declared [3,2]: axis 1 and axis 2 both give that shape (with different values), axis 0 does not.</summary>
    private static OnnxModelBuilder ReductionModel()
        => new OnnxModelBuilder().Opset(13)
            .Input("data", DataType.Float32, 3, 2, 2)
            .Input("axes", DataType.Int64, 1)
            .Node("ReduceSum", ["data", "axes"], ["reduced"], OnnxAttr.Int("keepdims", 0))
            .Output("reduced", DataType.Float32, 3, 2);

    /// <summary>Axis 1 and axis 2 both give the declared shape, and different values.</summary>
    [Theory]
    [InlineData(1L)]
    [InlineData(2L)]
    [InlineData(-1L)]
    [InlineData(-2L)]
    public void AReductionWhoseRunTimeAxesTheDeclaredShapeLeavesOpenReducesTheAxesGiven(long axis)
    {
        var model = ReductionModel();

        Assert.Equal(2, Import.Load(model).Nodes.Count(n => n.Op == "ReduceSum"));
        var inputs = OrtParity.Inputs(("data", TestTensors.Random([3, 2, 2], seed: 5)), ("axes", Longs(axis)));
        OrtParity.AssertMatchesOnnxRuntime(model, inputs, tolerance: 1e-6);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-3L)]
    public void AReductionGivenAnAxisTheDeclaredShapeRulesOutStopsTheRun(long axis)
    {
        var model = ReductionModel();
        var inputs = OrtParity.Inputs(("data", TestTensors.Random([3, 2, 2], seed: 5)), ("axes", Longs(axis)));

        Assert.ThrowsAny<WasmGraphException>(() => OrtParity.Run(model, inputs));
    }

    [Fact]
    public void ATileWithRunTimeRepeatsMatchesOnnxRuntime()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3)
            .Input("repeats", DataType.Int64, 2)
            .Node("Tile", ["x", "repeats"], ["y"])
            .Output("y", DataType.Float32, 4, 3);

        var inputs = OrtParity.Inputs(("x", TestTensors.Random([2, 3], seed: 9)), ("repeats", Longs(2, 1)));
        OrtParity.AssertMatchesOnnxRuntime(model, inputs, tolerance: 0);
    }
}
