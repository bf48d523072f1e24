using Google.Protobuf;

namespace WasmGraph.Frontends.Onnx.Tests;

/// <summary>
/// Adagrad, Momentum and Adam (domain ai.onnx.preview.training, which ONNX Runtime's inference build does not run)
/// against the ONNX conformance data and a C# transcription of the spec's reference formulas (tolerance 1e-5 × max:
/// the reference computes partly in float64).
/// </summary>
public class OptimizerImportTests
{
    private const string Domain = "ai.onnx.preview.training";
    private const double Tolerance = 1e-5;

    /// <summary>A model of one optimiser node that, like the conformance models, imports only the training domain.</summary>
    private static byte[] Model(string op, string[] inputs, string[] outputs, long[][] shapes, params AttributeProto[] attributes)
    {
        var builder = new OnnxModelBuilder().Opset(Domain, 1)
            .Input("R", DataType.Float32)
            .Input("T", DataType.Int64);
        for (int i = 2; i < inputs.Length; i++)
        {
            builder.Input(inputs[i], DataType.Float32, shapes[i - 2]);
        }
        builder.DomainNode(Domain, "optimizer", op, inputs, outputs, attributes);
        foreach (var output in outputs)
        {
            builder.Output(output, DataType.Float32);
        }
        var model = builder.ToModel();
        model.OpsetImport.Remove(model.OpsetImport.Single(o => o.Domain == ""));
        return model.ToByteArray();
    }

    private static IReadOnlyDictionary<string, TensorData> Run(byte[] model, IReadOnlyDictionary<string, TensorData> inputs)
        => WasmPipeline.CompileAndRun(WasmPipeline.Import(model), inputs);

    private static TensorData Floats(params float[] values) => TensorData.FromFloats(new Shape(values.Length), values);

    private static Dictionary<string, TensorData> Common(float r, long t) => new(StringComparer.Ordinal)
    {
        ["R"] = TensorData.FromFloats(Shape.Scalar, [r]),
        ["T"] = TensorData.FromInt64s(Shape.Scalar, [t]),
    };

    [Fact]
    public void AdagradMatchesTheConformanceData()
    {
        var model = Model("Adagrad", ["R", "T", "X", "G", "H"], ["X_new", "H_new"], [[1], [1], [1]],
            OnnxAttr.Float("decay_factor", 0.1f), OnnxAttr.Float("epsilon", 1e-5f), OnnxAttr.Float("norm_coefficient", 0.001f));
        var inputs = Common(0.1f, 0);
        inputs["X"] = Floats(1f);
        inputs["G"] = Floats(-1f);
        inputs["H"] = Floats(2f);

        var outputs = Run(model, inputs);

        TensorAssert.Close(Floats(1.0576962232589722f), outputs["X_new"], Tolerance, "X_new");
        TensorAssert.Close(Floats(2.9980010986328125f), outputs["H_new"], Tolerance, "H_new");
    }

    [Theory]
    [InlineData("standard", 0.1f, 0.001f, new[] { 1.1323800086975098f, 2.7077200412750244f }, new[] { 0.6762000322341919f, 0.922799825668335f })]
    [InlineData("nesterov", 1f, 0.01f, new[] { 1.2275350093841553f, 2.9571399688720703f }, new[] { 0.687000036239624f, 0.9479999542236328f })]
    public void MomentumMatchesTheConformanceData(string mode, float beta, float lambda, float[] xNew, float[] vNew)
    {
        var model = Model("Momentum", ["R", "T", "X", "G", "V"], ["X_new", "V_new"], [[2], [2], [2]],
            OnnxAttr.Float("alpha", 0.95f), OnnxAttr.Float("beta", beta), OnnxAttr.String("mode", mode), OnnxAttr.Float("norm_coefficient", lambda));
        var inputs = Common(0.1f, 0);
        inputs["X"] = Floats(1.2f, 2.8f);
        inputs["G"] = Floats(-0.94f, -2.5f);
        inputs["V"] = Floats(1.7f, 3.6f);

        var outputs = Run(model, inputs);

        TensorAssert.Close(Floats(xNew), outputs["X_new"], Tolerance, "X_new");
        TensorAssert.Close(Floats(vNew), outputs["V_new"], Tolerance, "V_new");
    }

    [Fact]
    public void AdamMatchesTheConformanceData()
    {
        var model = Model("Adam", ["R", "T", "X", "G", "V", "H"], ["X_new", "V_new", "H_new"], [[2], [2], [2], [2]],
            OnnxAttr.Float("alpha", 0.95f), OnnxAttr.Float("beta", 0.1f), OnnxAttr.Float("epsilon", 1e-7f), OnnxAttr.Float("norm_coefficient", 0.001f));
        var inputs = Common(0.1f, 0);
        inputs["X"] = Floats(1.2f, 2.8f);
        inputs["G"] = Floats(-0.94f, -2.5f);
        inputs["V"] = Floats(1.7f, 3.6f);
        inputs["H"] = Floats(0.1f, 0.1f);

        var outputs = Run(model, inputs);

        TensorAssert.Close(Floats(1.025036334991455f, 2.6610326766967773f), outputs["X_new"], Tolerance, "X_new");
        TensorAssert.Close(Floats(1.568060040473938f, 3.295139789581299f), outputs["V_new"], Tolerance, "V_new");
        TensorAssert.Close(Floats(0.8032107949256897f, 5.622406959533691f), outputs["H_new"], Tolerance, "H_new");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void MultipleTensorAdagradMatchesTheReferenceFormula(long t)
    {
        var model = Model("Adagrad", ["R", "T", "X1", "X2", "G1", "G2", "H1", "H2"], ["X1_new", "X2_new", "H1_new", "H2_new"], [[3], [2, 2], [3], [2, 2], [3], [2, 2]],
            OnnxAttr.Float("decay_factor", 0.3f), OnnxAttr.Float("epsilon", 1e-3f), OnnxAttr.Float("norm_coefficient", 0.02f));
        var inputs = Common(0.05f, t);
        inputs["X1"] = TestTensors.Random([3], seed: 1);
        inputs["X2"] = TestTensors.Random([2, 2], seed: 2);
        inputs["G1"] = TestTensors.Random([3], seed: 3);
        inputs["G2"] = TestTensors.Random([2, 2], seed: 4);
        inputs["H1"] = Abs(TestTensors.Random([3], seed: 5));
        inputs["H2"] = Abs(TestTensors.Random([2, 2], seed: 6));

        var outputs = Run(model, inputs);

        foreach (var i in new[] { "1", "2" })
        {
            var (x, h) = ReferenceAdagrad(0.05, t, inputs["X" + i], inputs["G" + i], inputs["H" + i], lambda: 0.02, epsilon: 1e-3, decay: 0.3);
            TensorAssert.Close(x, outputs[$"X{i}_new"], Tolerance, $"X{i}_new");
            TensorAssert.Close(h, outputs[$"H{i}_new"], Tolerance, $"H{i}_new");
        }
    }

    [Theory]
    [InlineData("standard", 0)]
    [InlineData("standard", 5)]
    [InlineData("nesterov", 2)]
    public void MultipleTensorMomentumMatchesTheReferenceFormula(string mode, long t)
    {
        var model = Model("Momentum", ["R", "T", "X1", "X2", "G1", "G2", "V1", "V2"], ["X1_new", "X2_new", "V1_new", "V2_new"], [[4], [1], [4], [1], [4], [1]],
            OnnxAttr.Float("alpha", 0.9f), OnnxAttr.Float("beta", 0.3f), OnnxAttr.String("mode", mode), OnnxAttr.Float("norm_coefficient", 0.01f));
        var inputs = Common(0.2f, t);
        foreach (var (name, seed) in new[] { ("X1", 1), ("X2", 2), ("G1", 3), ("G2", 4), ("V1", 5), ("V2", 6) })
        {
            inputs[name] = TestTensors.Random(name.EndsWith('1') ? [4] : [1], seed);
        }

        var outputs = Run(model, inputs);

        foreach (var i in new[] { "1", "2" })
        {
            var (x, v) = ReferenceMomentum(0.2, t, inputs["X" + i], inputs["G" + i], inputs["V" + i], lambda: 0.01, alpha: 0.9, beta: 0.3, nesterov: mode == "nesterov");
            TensorAssert.Close(x, outputs[$"X{i}_new"], Tolerance, $"X{i}_new");
            TensorAssert.Close(v, outputs[$"V{i}_new"], Tolerance, $"V{i}_new");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void MultipleTensorAdamMatchesTheReferenceFormula(long t)
    {
        var model = Model("Adam", ["R", "T", "X1", "X2", "G1", "G2", "V1", "V2", "H1", "H2"], ["X1_new", "X2_new", "V1_new", "V2_new", "H1_new", "H2_new"],
            [[3], [2], [3], [2], [3], [2], [3], [2]],
            OnnxAttr.Float("alpha", 0.85f), OnnxAttr.Float("beta", 0.95f), OnnxAttr.Float("epsilon", 1e-2f),
            OnnxAttr.Float("norm_coefficient", 0.001f), OnnxAttr.Float("norm_coefficient_post", 0.05f));
        var inputs = Common(0.1f, t);
        foreach (var (name, seed) in new[] { ("X1", 1), ("X2", 2), ("G1", 3), ("G2", 4), ("V1", 5), ("V2", 6), ("H1", 7), ("H2", 8) })
        {
            var data = TestTensors.Random(name.EndsWith('1') ? [3] : [2], seed);
            inputs[name] = name.StartsWith('H') ? Abs(data) : data;
        }

        var outputs = Run(model, inputs);

        foreach (var i in new[] { "1", "2" })
        {
            var (x, v, h) = ReferenceAdam(0.1, t, inputs["X" + i], inputs["G" + i], inputs["V" + i], inputs["H" + i],
                lambda: 0.001, lambdaPost: 0.05, alpha: 0.85, beta: 0.95, epsilon: 1e-2);
            TensorAssert.Close(x, outputs[$"X{i}_new"], Tolerance, $"X{i}_new");
            TensorAssert.Close(v, outputs[$"V{i}_new"], Tolerance, $"V{i}_new");
            TensorAssert.Close(h, outputs[$"H{i}_new"], Tolerance, $"H{i}_new");
        }
    }

    [Fact]
    public void ItRefusesAnUnknownMomentumMode()
    {
        var model = Model("Momentum", ["R", "T", "X", "G", "V"], ["X_new", "V_new"], [[2], [2], [2]],
            OnnxAttr.Float("alpha", 0.9f), OnnxAttr.Float("beta", 0.1f), OnnxAttr.String("mode", "heavy-ball"), OnnxAttr.Float("norm_coefficient", 0f));

        var error = Assert.Throws<UnsupportedOpException>(() => Import.Load(model));

        Assert.Contains("Momentum", error.Message);
        Assert.Contains("at node optimizer", error.Message);
        Assert.Contains("heavy-ball", error.Message);
    }

    [Fact]
    public void ItRefusesUnevenInputLists()
    {
        var model = Model("Adagrad", ["R", "T", "X", "G"], ["X_new"], [[2], [2]]);

        var error = Assert.Throws<ModelException>(() => Import.Load(model));

        Assert.Equal("optimizer", error.NodeName);
        Assert.Contains("lists of equal length", error.Message);
    }

    [Fact]
    public void AModelWithoutADefaultOpsetStillNeedsImportersForAllItsNodes()
    {
        var builder = new OnnxModelBuilder().Opset("com.example", 1)
            .Input("x", DataType.Float32, 2)
            .DomainNode("com.example", "n", "Frobnicate", ["x"], ["y"])
            .Output("y", DataType.Float32);
        var model = builder.ToModel();
        model.OpsetImport.Remove(model.OpsetImport.Single(o => o.Domain == ""));

        var error = Assert.Throws<ModelException>(() => Import.Load(model.ToByteArray()));

        Assert.Contains("imports no opset of the default ONNX domain", error.Message);
    }

    private static TensorData Abs(TensorData data) => TensorData.FromFloats(data.Type.Shape, data.ToFloatArray().Select(Math.Abs).ToArray());

    private static TensorData Map(TensorData like, double[] values) => TensorData.FromFloats(like.Type.Shape, values.Select(v => (float)v).ToArray());

    private static (TensorData X, TensorData H) ReferenceAdagrad(double r, long t, TensorData x, TensorData g, TensorData h, double lambda, double epsilon, double decay)
    {
        var (xs, gs, hs) = (x.ToFloatArray(), g.ToFloatArray(), h.ToFloatArray());
        double rate = r / (1 + t * decay);
        var gReg = xs.Select((v, i) => lambda * v + gs[i]).ToArray();
        var hNew = hs.Select((v, i) => v + gReg[i] * gReg[i]).ToArray();
        var xNew = xs.Select((v, i) => v - rate * gReg[i] / (Math.Sqrt(hNew[i]) + epsilon)).ToArray();
        return (Map(x, xNew), Map(h, hNew));
    }

    private static (TensorData X, TensorData V) ReferenceMomentum(double r, long t, TensorData x, TensorData g, TensorData v, double lambda, double alpha, double beta, bool nesterov)
    {
        var (xs, gs, vs) = (x.ToFloatArray(), g.ToFloatArray(), v.ToFloatArray());
        double betaAdjusted = t > 0 ? beta : 1;
        var gReg = xs.Select((value, i) => lambda * value + gs[i]).ToArray();
        var vNew = vs.Select((value, i) => alpha * value + betaAdjusted * gReg[i]).ToArray();
        var xNew = xs.Select((value, i) => value - r * (nesterov ? gReg[i] + alpha * vNew[i] : vNew[i])).ToArray();
        return (Map(x, xNew), Map(v, vNew));
    }

    private static (TensorData X, TensorData V, TensorData H) ReferenceAdam(double r, long t, TensorData x, TensorData g, TensorData v, TensorData h,
                                                                             double lambda, double lambdaPost, double alpha, double beta, double epsilon)
    {
        var (xs, gs, vs, hs) = (x.ToFloatArray(), g.ToFloatArray(), v.ToFloatArray(), h.ToFloatArray());
        var gReg = xs.Select((value, i) => lambda * value + gs[i]).ToArray();
        var vNew = vs.Select((value, i) => alpha * value + (1 - alpha) * gReg[i]).ToArray();
        var hNew = hs.Select((value, i) => beta * value + (1 - beta) * gReg[i] * gReg[i]).ToArray();
        double rate = t > 0 ? r * Math.Sqrt(1 - Math.Pow(beta, t)) / (1 - Math.Pow(alpha, t)) : r;
        var xNew = xs.Select((value, i) => (1 - lambdaPost) * (value - rate * vNew[i] / (Math.Sqrt(hNew[i]) + epsilon))).ToArray();
        return (Map(x, xNew), Map(v, vNew), Map(h, hNew));
    }
}
