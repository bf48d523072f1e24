namespace WasmGraph.Frontends.Onnx.Tests;

/// <summary>
/// Inputs the compiler needs at compile time (pads, a shape, sizes) are decided after folding what they are computed
/// from, in the forms real exporters write: tf2onnx 1.8.5 computes Pad's pads with Split, Concat, Cast and Slice of
/// constants and of Shape outputs; the PyTorch exporter computes Reshape's shape from Gather(Shape(x)) and builds
/// Expand, ConstantOfShape and Range arguments from shape arithmetic. Each compiles through the real pipeline and
/// matches ONNX Runtime; a value that stays run-time is refused with the input, what it comes from and the flag.
/// </summary>
public class FoldFirstTests
{
    private static TensorData Int32s(params int[] values) => TensorData.FromArray(DataType.Int32, new Shape(values.Length), values.AsSpan());

    private static TensorData Int64s(params long[] values) => TensorData.FromInt64s(new Shape(values.Length), values);

    /// <summary>
    /// tf2onnx (opset 11, NHWC): TensorFlow's paddings split from one int32 constant, reordered by Concat with a part
    /// computed from the input's shape (Shape → Cast → Slice → Sub), then cast to int64 for Pad.
    /// </summary>
    private static OnnxModelBuilder Tf2OnnxPad() => new OnnxModelBuilder().Opset(11).Producer("tf2onnx", "1.8.5")
        .Input("x", DataType.Float32, 1, 6, 5, 2)
        .Initializer("const_fold_opt", Int32s(0, 1, 2, 0))
        .Initializer("const_starts", Int64s(1))
        .Initializer("const_ends", Int64s(3))
        .Initializer("const_axes", Int64s(0))
        .Initializer("const_five", Int32s(5, 4))
        .Initializer("const_zero", Int32s(0))
        .Initializer("pad_value", TensorData.FromFloats(Shape.Scalar, [0.5f]))
        .NamedNode("Split__234", "Split", ["const_fold_opt"], ["Split__234:0", "Split__234:1"], OnnxAttr.Int("axis", 0), OnnxAttr.Ints("split", 2, 2))
        .NamedNode("Shape__159", "Shape", ["x"], ["Shape__159:0"])
        .NamedNode("Cast__160", "Cast", ["Shape__159:0"], ["Cast__160:0"], OnnxAttr.Int("to", (long)DataType.Int32))
        .NamedNode("Slice__161", "Slice", ["Cast__160:0", "const_starts", "const_ends", "const_axes"], ["Slice__161:0"])
        .NamedNode("Sub__162", "Sub", ["Slice__161:0", "const_five"], ["Sub__162:0"])
        .NamedNode("Concat__235", "Concat", ["Split__234:1", "Split__234:0", "const_zero", "Sub__162:0", "const_zero"], ["Concat__235:0"], OnnxAttr.Int("axis", 0))
        .NamedNode("Cast__236", "Cast", ["Concat__235:0"], ["Cast__236:0"], OnnxAttr.Int("to", (long)DataType.Int64))
        .NamedNode("block_1_pad/Pad", "Pad", ["x", "Cast__236:0", "pad_value"], ["y"])
        .Output("y", DataType.Float32);

    [Fact]
    public void Tf2OnnxPadsComputedFromSplitConcatCastAndShapeFoldAndMatchOnnxRuntime()
    {
        var graph = Import.Load(Tf2OnnxPad());

        // pads [2,0,0,1, 0,1,1,0] in ONNX order: the Split parts swapped, then Shape(x)[1:3] − [5,4] = [1,1].
        Assert.Equal([2L, 0, 0, 1, 0, 1, 1, 0], graph.Single("Pad").Ints("pads"));
        Assert.Equal([3L, 7, 6, 3], graph.Dims("y"));
        OrtParity.AssertMatchesOnnxRuntime(Tf2OnnxPad(), OrtParity.Inputs(("x", TestTensors.Random([1, 6, 5, 2], seed: 3))), tolerance: 0);
    }

    /// <summary>
    /// The PyTorch exporter (opset 13): x.view(x.size(0), -1) as Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1])),
    /// torch.ones(n, 1).expand_as(y) as ConstantOfShape and Expand of Shape(y), torch.arange(y.size(1)) as Range of a
    /// Gather of Shape(y) cast to float.
    /// </summary>
    private static OnnxModelBuilder PyTorchShapeArithmetic() => new OnnxModelBuilder().Opset(13).Producer("pytorch", "1.13.1")
        .Input("x", DataType.Float32, 2, 3, 4)
        .Initializer("zero", TensorData.FromInt64s(Shape.Scalar, [0]))
        .Initializer("one", TensorData.FromInt64s(Shape.Scalar, [1]))
        .Initializer("axes0", Int64s(0))
        .Initializer("minus_one", Int64s(-1))
        .Initializer("one_1d", Int64s(1))
        .Initializer("start", TensorData.FromFloats(Shape.Scalar, [0f]))
        .Initializer("delta", TensorData.FromFloats(Shape.Scalar, [1f]))
        .NamedNode("Shape_0", "Shape", ["x"], ["1"])
        .NamedNode("Gather_1", "Gather", ["1", "zero"], ["2"], OnnxAttr.Int("axis", 0))
        .NamedNode("Unsqueeze_2", "Unsqueeze", ["2", "axes0"], ["3"])
        .NamedNode("Concat_3", "Concat", ["3", "minus_one"], ["4"], OnnxAttr.Int("axis", 0))
        .NamedNode("Reshape_4", "Reshape", ["x", "4"], ["y"])
        .NamedNode("Concat_5", "Concat", ["3", "one_1d"], ["5"], OnnxAttr.Int("axis", 0))
        .NamedNode("ConstantOfShape_6", "ConstantOfShape", ["5"], ["6"], OnnxAttr.Tensor("value", TensorData.FromFloats(new Shape(1), [2f])))
        .NamedNode("Shape_7", "Shape", ["y"], ["7"])
        .NamedNode("Expand_8", "Expand", ["6", "7"], ["8"])
        .NamedNode("Gather_9", "Gather", ["7", "one"], ["9"], OnnxAttr.Int("axis", 0))
        .NamedNode("Cast_10", "Cast", ["9"], ["10"], OnnxAttr.Int("to", (long)DataType.Float32))
        .NamedNode("Range_11", "Range", ["start", "10", "delta"], ["11"])
        .NamedNode("Mul_12", "Mul", ["y", "8"], ["12"])
        .NamedNode("Add_13", "Add", ["12", "11"], ["out"])
        .Output("out", DataType.Float32);

    [Fact]
    public void PyTorchShapeArithmeticFoldsAndMatchesOnnxRuntime()
    {
        var graph = Import.Load(PyTorchShapeArithmetic());

        Assert.Equal([2L, 12], graph.Dims("y"));
        Assert.DoesNotContain(graph.Ops(), op => op is "Shape" or "Gather" or "Concat" or "Range" or "ConstantOfShape");
        OrtParity.AssertMatchesOnnxRuntime(PyTorchShapeArithmetic(), OrtParity.Inputs(("x", TestTensors.Random([2, 3, 4], seed: 4))), tolerance: 1e-6);
    }

    [Fact]
    public void PadsComputedFromAGraphInputAreRefusedNamingTheInputAndTheFlag()
    {
        var model = new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float32, 1, 4)
            .Input("extra", DataType.Int64, 2)
            .Initializer("zeros", Int64s(0, 0))
            .NamedNode("Concat__235", "Concat", ["zeros", "extra"], ["Concat__235:0"], OnnxAttr.Int("axis", 0))
            .NamedNode("block_1_pad/Pad", "Pad", ["x", "Concat__235:0"], ["y"])
            .Output("y", DataType.Float32);

        var error = Assert.Throws<ModelException>(() => Import.Load(model));

        Assert.Equal(Import.File, error.File);
        Assert.Equal("block_1_pad/Pad", error.NodeName);
        Assert.Contains("op Pad: input 'pads' ('Concat__235:0') must be known at compile time", error.Message);
        Assert.Contains("computed from the graph input 'extra'; freeze it to a value with --bind extra=extra.npy", error.Message);
    }
}
