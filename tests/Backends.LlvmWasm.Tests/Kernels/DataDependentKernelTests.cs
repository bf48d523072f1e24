using Wasmtime;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>
/// NonZero, NonMaxSuppression and Unique, whose outputs are bounded (their size depends on the data), against ONNX
/// Runtime. Every output is an exact integer (or a copied value), so the comparison is exact, shapes included: the
/// session trims each bounded output to the dims the module reports, and the harness compares types before values.
/// </summary>
public class DataDependentKernelTests
{
    private static OnnxModelBuilder NonZeroModel(DataType type, params long[] dims)
        => new OnnxModelBuilder().Opset(13).Input("x", type, dims).Node("NonZero", ["x"], ["y"]).Output("y", DataType.Int64);

    [Fact]
    public void NonZeroListsCoordinatesInRowMajorOrder()
    {
        // −0.0 is zero; NaN is not.
        var x = TensorData.FromFloats(new Shape(3, 4), [0, 1.5f, 0, -2, -0f, 0, float.NaN, 0, 3, 0, 0, 1e-30f]);
        AssertMatchesOnnxRuntime(NonZeroModel(DataType.Float32, 3, 4), Inputs(("x", x)));
    }

    [Fact]
    public void NonZeroHandlesIntegerAndBoolTensors()
    {
        var ints = TensorData.FromInt64s(new Shape(2, 3, 2), [0, 5, 0, 0, -1, 0, 7, 0, 0, 0, 0, 9]);
        AssertMatchesOnnxRuntime(NonZeroModel(DataType.Int64, 2, 3, 2), Inputs(("x", ints)));
        var bools = TensorData.FromArray<byte>(DataType.Bool, new Shape(5), [1, 0, 1, 1, 0]);
        AssertMatchesOnnxRuntime(NonZeroModel(DataType.Bool, 5), Inputs(("x", bools)));
    }

    [Fact]
    public void NonZeroOfAllZerosIsEmpty()
    {
        var model = NonZeroModel(DataType.Float32, 2, 3);
        var inputs = Inputs(("x", TensorData.FromFloats(new Shape(2, 3), new float[6])));
        AssertMatchesOnnxRuntime(model, inputs);
        Assert.Equal(new Shape(2, 0), Run(model.ToBytes(), inputs)["y"].Type.Shape);
    }

    private static OnnxModelBuilder NmsModel(int batches, int classes, int boxes, int centerPointBox, long? maxPerClass, float? iou, float? scoreThreshold)
    {
        var model = new OnnxModelBuilder().Opset(11)
            .Input("boxes", DataType.Float32, batches, boxes, 4)
            .Input("scores", DataType.Float32, batches, classes, boxes);
        string[] inputs = ["boxes", "scores", "", "", ""];
        if (maxPerClass is { } max)
        {
            model.Initializer("max", TensorData.FromInt64s(new Shape(1), [max]));
            inputs[2] = "max";
        }
        if (iou is { } i)
        {
            model.Initializer("iou", TensorData.FromFloats(new Shape(1), [i]));
            inputs[3] = "iou";
        }
        if (scoreThreshold is { } s)
        {
            model.Initializer("score", TensorData.FromFloats(new Shape(1), [s]));
            inputs[4] = "score";
        }
        int used = Array.FindLastIndex(inputs, n => n.Length > 0) + 1;
        return model.Node("NonMaxSuppression", inputs[..used], ["selected"], OnnxAttr.Int("center_point_box", centerPointBox))
                    .Output("selected", DataType.Int64);
    }

    /// <summary>
    /// Overlapping boxes (corners in [0, 3), sides up to 1.5, either corner first for format 0) and scores rounded to
    /// tenths, so suppression happens and equal scores tie.
    /// </summary>
    private static IReadOnlyDictionary<string, TensorData> NmsInputs(int batches, int classes, int boxes, int centerPointBox, int seed)
    {
        var random = new Random(seed);
        var coordinates = new float[batches * boxes * 4];
        for (int b = 0; b < batches * boxes; b++)
        {
            float x = random.NextSingle() * 3, y = random.NextSingle() * 3, w = 0.2f + random.NextSingle() * 1.3f, h = 0.2f + random.NextSingle() * 1.3f;
            float[] box = centerPointBox == 1 ? [x, y, w, h] : random.Next(2) == 0 ? [y, x, y + h, x + w] : [y + h, x + w, y, x];
            box.CopyTo(coordinates, 4 * b);
        }
        var scores = Enumerable.Range(0, batches * classes * boxes).Select(_ => MathF.Round(random.NextSingle() * 10) / 10).ToArray();
        return Inputs(("boxes", TensorData.FromFloats(new Shape(batches, boxes, 4), coordinates)),
                      ("scores", TensorData.FromFloats(new Shape(batches, classes, boxes), scores)));
    }

    [Theory]
    [InlineData(0, 1, 1, 6, 3L, 0.5f, 0f)]
    [InlineData(1, 1, 1, 6, 3L, 0.5f, 0f)]
    [InlineData(0, 2, 3, 10, 4L, 0.3f, 0.25f)]
    [InlineData(1, 3, 2, 12, 100L, 0.45f, 0.5f)]
    [InlineData(0, 2, 2, 8, 2L, 0f, null)]
    [InlineData(1, 1, 4, 9, 9L, 1f, 0.05f)]
    public void NonMaxSuppressionMatchesOnnxRuntime(int centerPointBox, int batches, int classes, int boxes, long maxPerClass, float iou, float? scoreThreshold)
    {
        AssertMatchesOnnxRuntime(NmsModel(batches, classes, boxes, centerPointBox, maxPerClass, iou, scoreThreshold),
                                 NmsInputs(batches, classes, boxes, centerPointBox, seed: batches * 10 + classes));
    }

    [Fact]
    public void NonMaxSuppressionKeepsTheLowerIndexAmongIdenticalBoxesAndScores()
    {
        var boxes = TensorData.FromFloats(new Shape(1, 5, 4), Enumerable.Repeat(new float[] { 0, 0, 1, 1 }, 5).SelectMany(b => b).ToArray());
        var scores = TensorData.FromFloats(new Shape(1, 1, 5), [0.5f, 0.9f, 0.9f, 0.9f, 0.1f]);
        var model = NmsModel(1, 1, 5, 0, 3, 0.5f, null);
        AssertMatchesOnnxRuntime(model, Inputs(("boxes", boxes), ("scores", scores)));
        Assert.Equal([0L, 0, 1], Run(model.ToBytes(), Inputs(("boxes", boxes), ("scores", scores)))["selected"].ToInt64Array());
    }

    [Fact]
    public void NonMaxSuppressionBelowTheScoreThresholdSelectsNothing()
    {
        var model = NmsModel(2, 2, 6, 0, 3, 0.5f, 2f);
        var inputs = NmsInputs(2, 2, 6, 0, seed: 5);
        AssertMatchesOnnxRuntime(model, inputs);
        Assert.Equal(new Shape(0, 3), Run(model.ToBytes(), inputs)["selected"].Type.Shape);
    }

    [Fact]
    public void NonMaxSuppressionWithoutAMaxOutputCountSelectsNothing()
        => AssertMatchesOnnxRuntime(NmsModel(1, 2, 4, 0, null, null, null), NmsInputs(1, 2, 4, 0, seed: 6));

    private static OnnxModelBuilder UniqueModel(DataType type, long[] dims, int sorted, long? axis)
    {
        var attributes = axis is { } a ? new[] { OnnxAttr.Int("sorted", sorted), OnnxAttr.Int("axis", a) } : [OnnxAttr.Int("sorted", sorted)];
        return new OnnxModelBuilder().Opset(11).Input("x", type, dims)
            .Node("Unique", ["x"], ["Y", "indices", "inverse_indices", "counts"], attributes)
            .Output("Y", type).Output("indices", DataType.Int64).Output("inverse_indices", DataType.Int64).Output("counts", DataType.Int64);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    public void UniqueWithoutAnAxisFlattensTheInput(int sorted)
    {
        var x = TensorData.FromFloats(new Shape(2, 5), [2, 1, 1, 3, 4, 3, -0.5f, 2, 2, 7]);
        AssertMatchesOnnxRuntime(UniqueModel(DataType.Float32, [2, 5], sorted, null), Inputs(("x", x)));
    }

    [Theory]
    [InlineData(1, 0L)]
    [InlineData(1, 1L)]
    [InlineData(1, -1L)]
    [InlineData(0, 0L)]
    [InlineData(0, 1L)]
    public void UniqueAlongAnAxisComparesWholeSlices(int sorted, long axis)
    {
        // Rows 0 and 2 are equal, columns 0 and 3 are equal; rows 1 and 3 differ only in their last element.
        var x = TensorData.FromInt64s(new Shape(4, 4), [1, 0, 2, 1, 3, 5, -1, 3, 1, 0, 2, 1, 3, 5, -1, 4]);
        AssertMatchesOnnxRuntime(UniqueModel(DataType.Int64, [4, 4], sorted, axis), Inputs(("x", x)));
    }

    [Fact]
    public void UniqueAlongTheMiddleAxisOfA3dTensor()
    {
        var x = TensorData.FromFloats(new Shape(2, 4, 2), [1, 1, 0, 1, 1, 1, 0, 0, 2, 2, 2, 3, 2, 2, 2, 3]);
        AssertMatchesOnnxRuntime(UniqueModel(DataType.Float32, [2, 4, 2], 1, 1), Inputs(("x", x)));
    }

    [Fact]
    public void ABoundedValueThatFeedsAnotherNodeIsRefused()
    {
        var model = new OnnxModelBuilder().Opset(13).Input("x", DataType.Float32, 2, 3)
            .NamedNode("nz", "NonZero", ["x"], ["coordinates"])
            .Node("Transpose", ["coordinates"], ["y"])
            .Output("y", DataType.Int64);

        var e = Assert.Throws<UnsupportedOpException>(() => WasmPipeline.Import(model.ToBytes()));

        Assert.Contains("unsupported: NonZero (opset 13) at node nz: its output size depends on the data, so it can only be a graph output", e.Message);
    }

    [Fact]
    public void TheBackendRefusesAGraphInWhichABoundedValueIsRead()
    {
        var graph = WasmPipeline.Import(NonZeroModel(DataType.Float32, 2, 3).ToBytes());
        var reader = new Node("reader", "Reshape", ["y"], ["z"], Attributes.Empty.With("shape", [2L * 6]));
        var misuse = graph with
        {
            Nodes = graph.Nodes.Add(reader),
            Types = graph.Types.Add("z", new TensorType(DataType.Int64, new Shape(12))),
            Outputs = ["z"],
        };

        var e = Assert.Throws<UnsupportedOpException>(() => WasmPipeline.Compile(misuse));

        Assert.Contains("NonZero (opset 13) at node NonZero_0: its output size depends on the data, so it can only be a graph output ('y' feeds node 'reader' (Reshape))", e.Message);
    }

    /// <summary>
    /// What a host that knows nothing of bounded outputs sees: the metadata's bound, a buffer of that size padded with
    /// −1 rows, and (for hosts that look) the actual dims at <c>wg_output_dims</c>.
    /// </summary>
    [Fact]
    public void AnOlderHostReadsTheBoundPaddedWithMinusOne()
    {
        var model = NmsModel(1, 1, 5, 0, 4, 0.5f, 0.5f);
        var artifact = WasmPipeline.Compile(WasmPipeline.Import(model.ToBytes()));
        var output = Assert.Single(artifact.Metadata.Outputs);
        Assert.Equal([4L, 3], output.Shape.ToArray());
        Assert.Equal([0], output.DynamicDims!.Value.ToArray());
        Assert.Equal(96, output.ByteSize);

        using var engine = new Engine();
        using var module = Module.FromBytes(engine, "nms", artifact.Bytes);
        using var store = new Store(engine);
        var instance = new Instance(store, module);
        var memory = instance.GetMemory("memory")!;
        int Address(string export, int index) => instance.GetFunction<int, int>(export)!(index);
        float[] boxes = [0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 5, 5, 6, 6, 0, 0, 1, 1, 9, 9, 10, 10];
        float[] scores = [0.9f, 0.8f, 0.7f, 0.6f, 0.1f];
        boxes.AsSpan().CopyTo(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(memory.GetSpan(Address("wg_input_ptr", 0), 80)));
        scores.AsSpan().CopyTo(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(memory.GetSpan(Address("wg_input_ptr", 1), 20)));

        Assert.Equal(0, instance.GetFunction<int>("wg_run")!());

        var padded = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(memory.GetSpan(Address("wg_output_ptr", 0), 96)).ToArray();
        Assert.Equal([0L, 0, 0, 0, 0, 2, -1, -1, -1, -1, -1, -1], padded);
        var dims = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(memory.GetSpan(Address("wg_output_dims", 0), 8)).ToArray();
        Assert.Equal([2, 3], dims);
        Assert.Equal(-1, Address("wg_output_dims", 1));
    }
}
