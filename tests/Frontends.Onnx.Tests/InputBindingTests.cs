using System.Collections.Immutable;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Frontends.Onnx.Tests;

/// <summary>
/// <see cref="FrontendOptions.Bindings"/> (what <c>compile --bind</c> passes): a bound input becomes a constant, what
/// is computed from it folds, the module keeps the other inputs and matches ONNX Runtime run with the value as an
/// input; the binding is recorded in the metadata; a wrong name, element type or shape is refused naming the input.
/// </summary>
public class InputBindingTests
{
    private static OnnxModelBuilder ReshapeByInput() => new OnnxModelBuilder().Opset(13)
        .Input("x", DataType.Float32, 2, 3, 4)
        .SymbolicInput("shape", DataType.Int64, "rank")
        .Initializer("one", TensorData.FromInt64s(new Shape(1), [1]))
        .Node("Add", ["shape", "one"], ["shape_plus_one"])
        .Node("Sub", ["shape_plus_one", "one"], ["target"])
        .Node("Reshape", ["x", "target"], ["y"])
        .Output("y", DataType.Float32);

    private static Graph Load(OnnxModelBuilder model, params (string Name, TensorData Value)[] bindings)
    {
        var options = new FrontendOptions { SourceName = Import.File, Bindings = bindings.ToImmutableDictionary(b => b.Name, b => b.Value) };
        return new OnnxFrontend().Load(new MemoryStream(model.ToBytes()), options);
    }

    [Fact]
    public void ABoundShapeInputFoldsAndTheModuleMatchesOnnxRuntimeRunWithTheValueAsAnInput()
    {
        var shape = TensorData.FromInt64s(new Shape(2), [6, -1]);
        var graph = Load(ReshapeByInput(), ("shape", shape));

        Assert.Equal(new[] { "x" }, graph.Inputs);
        Assert.Equal([6L, 4], graph.Dims("y"));
        var x = TestTensors.Random([2, 3, 4], seed: 5);
        var expected = OnnxRuntimeOracle.Run(ReshapeByInput().ToBytes(), OrtParity.Inputs(("x", x), ("shape", shape)));
        OrtParity.AssertMatches(expected, WasmPipeline.CompileAndRun(graph, OrtParity.Inputs(("x", x))), tolerance: 0);
    }

    [Fact]
    public void TheBindingIsRecordedInTheModuleMetadata()
    {
        var shape = TensorData.FromInt64s(new Shape(2), [6, -1]);
        var metadata = ModelMetadata.For(Load(ReshapeByInput(), ("shape", shape)));

        var bound = Assert.Single(metadata.Bound);
        Assert.Equal(("shape", "int64"), (bound.Name, bound.DType));
        Assert.Equal([2L], bound.Shape.ToArray());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(shape.Bytes)), bound.Sha256);
        Assert.Equal(metadata.Bound.Select(b => b.Format()), ModelMetadata.FromJson(metadata.ToJson()).Bound.Select(b => b.Format()));
    }

    [Fact]
    public void AnUnknownNameIsRefusedWithTheClosestInput()
    {
        var error = Assert.Throws<ModelException>(() => Load(ReshapeByInput(), ("shap", TensorData.FromInt64s(new Shape(2), [6, -1]))));

        Assert.Contains("--bind names 'shap', which is not a model input (did you mean 'shape'? inputs: x, shape)", error.Message);
    }

    [Fact]
    public void AValueOfAnotherElementTypeIsRefused()
    {
        var error = Assert.Throws<ModelException>(() => Load(ReshapeByInput(), ("shape", TensorData.FromFloats(new Shape(2), [6, -1]))));

        Assert.Contains("--bind shape: the value is float32[2], but the model declares the input as int64[rank]", error.Message);
    }

    [Fact]
    public void AValueOfAnotherShapeIsRefused()
    {
        var error = Assert.Throws<ModelException>(() => Load(ReshapeByInput(), ("x", TestTensors.Random([2, 3, 5]))));

        Assert.Contains("--bind x: the value has shape [2,3,5], but the model declares [2,3,4]", error.Message);
    }

    [Fact]
    public void AnInputBothBoundAndPinnedIsRefused()
    {
        var options = new FrontendOptions
        {
            SourceName = Import.File,
            Bindings = ImmutableDictionary<string, TensorData>.Empty.Add("shape", TensorData.FromInt64s(new Shape(2), [6, -1])),
            InputShapes = ImmutableDictionary<string, ImmutableArray<long>>.Empty.Add("shape", [2]),
        };

        var error = Assert.Throws<ModelException>(() => new OnnxFrontend().Load(new MemoryStream(ReshapeByInput().ToBytes()), options));

        Assert.Contains("'shape' is given both --bind and --input-shape", error.Message);
    }
}
