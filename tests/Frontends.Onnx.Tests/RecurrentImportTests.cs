namespace WasmGraph.Frontends.Onnx.Tests;

/// <summary>
/// RNN, GRU and LSTM unrolled into MatMul/Add/activation steps, against ONNX Runtime (tolerance 1e-4 × max|expected|:
/// the unrolled program sums the same products in another order). ONNX Runtime has no batchwise (layout 1) kernel,
/// so layout 1 is compared with its layout-0 run on transposed inputs and outputs.
/// </summary>
public class RecurrentImportTests
{
    private const double Tolerance = 1e-4;
    private const long Steps = 4, Batch = 3, InputSize = 5, Hidden = 6;

    private sealed record Case(string Op)
    {
        public string Direction { get; init; } = "forward";
        public long Layout { get; init; }
        public bool Bias { get; init; } = true;
        public bool InitialState { get; init; }
        public bool Peepholes { get; init; }
        public float? Clip { get; init; }
        public long LinearBeforeReset { get; init; }
        public long InputForget { get; init; }
        public string[]? Activations { get; init; }
        public float[]? Alphas { get; init; }
        public float[]? Betas { get; init; }
        public int[]? Lengths { get; init; }
        public bool WeightsAsInputs { get; init; }

        public int Directions => Direction == "bidirectional" ? 2 : 1;
        public int Gates => Op switch { "RNN" => 1, "GRU" => 3, _ => 4 };
        public bool Lstm => Op == "LSTM";
    }

    public static TheoryData<string> Cases() => new(Named.Keys);

    private static readonly Dictionary<string, Case> Named = new()
    {
        ["rnn forward with bias and initial state"] = new("RNN") { InitialState = true },
        ["rnn reverse, runtime weights"] = new("RNN") { Direction = "reverse", WeightsAsInputs = true },
        ["rnn bidirectional relu/leaky relu"] = new("RNN") { Direction = "bidirectional", Activations = ["Relu", "LeakyRelu"], Alphas = [0.2f] },
        ["rnn clipped without bias"] = new("RNN") { Bias = false, Clip = 0.5f },
        ["gru forward"] = new("GRU") { InitialState = true },
        ["gru linear_before_reset"] = new("GRU") { LinearBeforeReset = 1, InitialState = true },
        ["gru linear_before_reset without bias"] = new("GRU") { LinearBeforeReset = 1, Bias = false },
        ["gru bidirectional clipped, runtime weights"] = new("GRU") { Direction = "bidirectional", Clip = 0.7f, WeightsAsInputs = true },
        ["gru reverse hard sigmoid / softsign"] = new("GRU") { Direction = "reverse", Activations = ["HardSigmoid", "Softsign"], Alphas = [0.3f], Betas = [0.4f] },
        ["lstm forward with initial state"] = new("LSTM") { InitialState = true },
        ["lstm peepholes"] = new("LSTM") { Peepholes = true, InitialState = true },
        ["lstm bidirectional peepholes, runtime weights"] = new("LSTM") { Direction = "bidirectional", Peepholes = true, WeightsAsInputs = true },
        ["lstm reverse clipped"] = new("LSTM") { Direction = "reverse", Clip = 0.6f, InitialState = true },
        ["lstm input_forget"] = new("LSTM") { InputForget = 1 },
        ["lstm affine / scaled tanh / elu"] = new("LSTM") { Activations = ["Sigmoid", "ScaledTanh", "Elu"], Alphas = [0.9f, 0.8f], Betas = [1.1f] },
        ["rnn shorter constant sequence_lens"] = new("RNN") { Lengths = [4, 2, 1], InitialState = true },
        ["gru bidirectional shorter sequence_lens"] = new("GRU") { Direction = "bidirectional", Lengths = [3, 4, 1] },
        ["lstm bidirectional shorter sequence_lens"] = new("LSTM") { Direction = "bidirectional", Lengths = [2, 4, 3], InitialState = true, Peepholes = true },
        ["lstm full-length sequence_lens"] = new("LSTM") { Lengths = [4, 4, 4] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ItMatchesOnnxRuntime(string name)
    {
        var c = Named[name];
        var (model, inputs) = Build(c);

        OrtParity.AssertMatchesOnnxRuntime(model, inputs, Tolerance);
    }

    [Theory]
    [InlineData("RNN", "forward")]
    [InlineData("GRU", "bidirectional")]
    [InlineData("LSTM", "bidirectional")]
    [InlineData("LSTM", "reverse")]
    public void ItImportsTheBatchwiseLayoutAsTheTransposedTimeMajorOne(string op, string direction)
    {
        var timeMajor = new Case(op) { Direction = direction, InitialState = true, Peepholes = op == "LSTM" };
        var (ortModel, ortInputs) = Build(timeMajor);
        var (model, _) = Build(timeMajor with { Layout = 1 });
        var inputs = ortInputs.ToDictionary(kv => kv.Key, kv => kv.Key is "X" or "initial_h" or "initial_c" ? Permute(kv.Value, [1, 0, 2]) : kv.Value);

        var expected = OnnxRuntimeOracle.Run(ortModel.ToBytes(), ortInputs)
            .ToDictionary(kv => kv.Key, kv => kv.Key == "Y" ? Permute(kv.Value, [2, 0, 1, 3]) : Permute(kv.Value, [1, 0, 2]));

        OrtParity.AssertMatches(expected, OrtParity.Run(model, inputs), Tolerance);
    }

    [Fact]
    public void ItRefusesARuntimeSequenceLengthsInput()
    {
        var model = new OnnxModelBuilder().Opset(14)
            .Input("X", DataType.Float32, Steps, Batch, InputSize)
            .Input("lens", DataType.Int32, Batch)
            .Initializer("W", TestTensors.Random([1, Hidden, InputSize], seed: 1))
            .Initializer("R", TestTensors.Random([1, Hidden, Hidden], seed: 2))
            .NamedNode("rnn", "RNN", ["X", "W", "R", "", "lens"], ["Y"], OnnxAttr.Int("hidden_size", Hidden))
            .Output("Y", DataType.Float32);

        var error = Assert.Throws<UnsupportedOpException>(() => Import.Load(model));

        Assert.Contains("RNN", error.Message);
        Assert.Contains("at node rnn", error.Message);
        Assert.Contains("input 'sequence_lens' ('lens') must be known at compile time", error.Message);
        Assert.Contains("--bind lens=lens.npy", error.Message);
    }

    [Fact]
    public void ItRefusesAnUnknownActivation()
    {
        var (model, _) = Build(new Case("GRU") { Activations = ["Sigmoid", "Gelu"] });

        var error = Assert.Throws<UnsupportedOpException>(() => Import.Load(model));

        Assert.Contains("GRU", error.Message);
        Assert.Contains("activation 'Gelu'", error.Message);
    }

    [Fact]
    public void ItNamesTheNodeWhenARequiredInputIsMissing()
    {
        var model = new OnnxModelBuilder().Opset(14)
            .Input("X", DataType.Float32, Steps, Batch, InputSize)
            .Initializer("W", TestTensors.Random([1, 4 * Hidden, InputSize], seed: 1))
            .NamedNode("lstm", "LSTM", ["X", "W"], ["Y"], OnnxAttr.Int("hidden_size", Hidden))
            .Output("Y", DataType.Float32);

        var error = Assert.Throws<ModelException>(() => Import.Load(model));

        Assert.Equal("lstm", error.NodeName);
        Assert.Equal("LSTM", error.Op);
        Assert.Contains("input 2 is required", error.Message);
    }

    [Fact]
    public void ItRefusesWeightsOfTheWrongShape()
    {
        var model = new OnnxModelBuilder().Opset(14)
            .Input("X", DataType.Float32, Steps, Batch, InputSize)
            .Initializer("W", TestTensors.Random([1, Hidden, InputSize], seed: 1))
            .Initializer("R", TestTensors.Random([1, Hidden, Hidden], seed: 2))
            .NamedNode("gru", "GRU", ["X", "W", "R"], ["Y"], OnnxAttr.Int("hidden_size", Hidden))
            .Output("Y", DataType.Float32);

        var error = Assert.Throws<ModelException>(() => Import.Load(model));

        Assert.Equal("gru", error.NodeName);
        Assert.Contains("W has shape [1,6,5], expected [1,18,5]", error.Message);
    }

    [Fact]
    public void ItPrecomputesTheInputProjectionWithOneMatMulPerDirection()
    {
        var (model, _) = Build(new Case("LSTM") { Direction = "bidirectional" });

        var graph = Import.Load(model);

        // One X·Wᵀ per direction, then one H·Rᵀ per step and direction.
        Assert.Equal(2 + 2 * Steps, graph.Ops().Count(op => op == "MatMul"));
    }

    private static (OnnxModelBuilder Model, Dictionary<string, TensorData> Inputs) Build(Case c)
    {
        int dirs = c.Directions;
        long gateWidth = c.Gates * Hidden;
        var inputs = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        var model = new OnnxModelBuilder().Opset(14);
        var x = TestTensors.Random(c.Layout == 0 ? [Steps, Batch, InputSize] : [Batch, Steps, InputSize], seed: 10);
        model.Input("X", DataType.Float32, x.Type.Shape.Dims.ToArray());
        inputs["X"] = x;
        var names = new List<string> { "X" };
        void Weight(string name, TensorData data)
        {
            if (c.WeightsAsInputs)
            {
                model.Input(name, DataType.Float32, data.Type.Shape.Dims.ToArray());
                inputs[name] = data;
            }
            else
            {
                model.Initializer(name, data);
            }
            names.Add(name);
        }
        Weight("W", Scaled(TestTensors.Random([dirs, gateWidth, InputSize], seed: 1), 0.6f));
        Weight("R", Scaled(TestTensors.Random([dirs, gateWidth, Hidden], seed: 2), 0.6f));
        if (c.Bias) { Weight("B", Scaled(TestTensors.Random([dirs, 2 * gateWidth], seed: 3), 0.5f)); } else { names.Add(""); }
        if (c.Lengths is { } lengths)
        {
            model.Initializer("sequence_lens", TensorData.FromArray(DataType.Int32, new Shape(Batch), lengths.AsSpan()));
            names.Add("sequence_lens");
        }
        else
        {
            names.Add("");
        }
        long[] stateDims = c.Layout == 0 ? [dirs, Batch, Hidden] : [Batch, dirs, Hidden];
        foreach (var (state, seed) in c.Lstm ? new[] { ("initial_h", 4), ("initial_c", 5) } : [("initial_h", 4)])
        {
            if (c.InitialState)
            {
                model.Input(state, DataType.Float32, stateDims);
                inputs[state] = TestTensors.Random(stateDims, seed);
                names.Add(state);
            }
            else
            {
                names.Add("");
            }
        }
        if (c.Peepholes) { Weight("P", Scaled(TestTensors.Random([dirs, 3 * Hidden], seed: 6), 0.5f)); }
        while (names[^1].Length == 0) { names.RemoveAt(names.Count - 1); }

        var attributes = new List<AttributeProto> { OnnxAttr.Int("hidden_size", Hidden), OnnxAttr.String("direction", c.Direction) };
        if (c.Layout != 0) { attributes.Add(OnnxAttr.Int("layout", c.Layout)); }
        if (c.Clip is { } clip) { attributes.Add(OnnxAttr.Float("clip", clip)); }
        if (c.Op == "GRU") { attributes.Add(OnnxAttr.Int("linear_before_reset", c.LinearBeforeReset)); }
        if (c.Lstm && c.InputForget != 0) { attributes.Add(OnnxAttr.Int("input_forget", c.InputForget)); }
        if (c.Activations is { } activations) { attributes.Add(Strings("activations", activations)); }
        if (c.Alphas is { } alphas) { attributes.Add(OnnxAttr.Floats("activation_alpha", alphas)); }
        if (c.Betas is { } betas) { attributes.Add(OnnxAttr.Floats("activation_beta", betas)); }
        string[] outputs = c.Lstm ? ["Y", "Y_h", "Y_c"] : ["Y", "Y_h"];
        model.NamedNode("cell", c.Op, names.ToArray(), outputs, attributes.ToArray());
        foreach (var output in outputs)
        {
            model.Output(output, DataType.Float32);
        }
        return (model, inputs);
    }

    private static AttributeProto Strings(string name, string[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Strings };
        attribute.Strings.AddRange(values.Select(Google.Protobuf.ByteString.CopyFromUtf8));
        return attribute;
    }

    private static TensorData Scaled(TensorData data, float factor)
        => TensorData.FromFloats(data.Type.Shape, data.ToFloatArray().Select(v => v * factor).ToArray());

    /// <summary>out[i permuted] = in[i]: axis k of the result is axis perm[k] of the input.</summary>
    private static TensorData Permute(TensorData data, int[] perm)
    {
        var inShape = data.Type.Shape;
        var outShape = new Shape(perm.Select(p => inShape[p]).ToArray());
        var inStrides = inShape.Strides();
        var values = data.ToFloatArray();
        var result = new float[values.Length];
        for (long i = 0; i < result.Length; i++)
        {
            long rest = i, source = 0;
            for (int k = outShape.Rank - 1; k >= 0; k--)
            {
                source += rest % outShape[k] * inStrides[perm[k]];
                rest /= outShape[k];
            }
            result[i] = values[source];
        }
        return TensorData.FromFloats(outShape, result);
    }
}
