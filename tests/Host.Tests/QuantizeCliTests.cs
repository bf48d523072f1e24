using Google.Protobuf;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Host.IO;
using WasmGraph.Onnx;
using WasmGraph.Onnx.Proto;

namespace WasmGraph.Host.Tests;

/// <summary>
/// <c>wasmgraph quantize</c> on <see cref="TinyQuantizable"/>: the QDQ file it writes runs in ONNX Runtime, compiles and
/// runs through our pipeline to the same numbers, and has ONNX Runtime's layout; and every bad input is exit 2 with a
/// message naming what was wrong. In process: quantize loads no plugin.
/// </summary>
public sealed class QuantizeCliTests : IDisposable
{
    private readonly TempDirectory _dir = TestPaths.NewTempDirectory();
    private readonly string _model;
    private readonly string _calibration;

    public QuantizeCliTests()
    {
        _model = _dir.File("tiny.onnx");
        File.WriteAllBytes(_model, TinyQuantizable.Model().ToByteArray());
        _calibration = TinyQuantizable.WriteCalibration(_dir.File("calibration"));
    }

    public void Dispose() => _dir.Dispose();

    private ModelProto Quantize(params string[] extra)
    {
        var output = _dir.File($"tiny.{Guid.NewGuid():N}.int8.onnx");
        var result = InProcessCli.Run(["quantize", _model, "-o", output, "--calibrate", _calibration, .. extra]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return ModelProto.Parser.ParseFrom(File.ReadAllBytes(output));
    }

    private static TensorData Initializer(ModelProto model, string name)
        => OnnxTensors.ToTensorData(model.Graph.Initializer.Single(i => i.Name == name), name, "test");

    [Fact]
    public void TheQdqModelRunsInOnnxRuntimeAndOurPipelineMatchesItWithinOneQuantizationStep()
    {
        // Every output quantized, so the graph output has a scale: ours and ONNX Runtime's may differ by one step where
        // float accumulation order decides a rounding tie in some earlier QuantizeLinear.
        var quantized = Quantize("--quantize-outputs", "all");
        var bytes = quantized.ToByteArray();
        float step = Initializer(quantized, "y_scale").ToFloatArray()[0];
        // Through the CLI with its default pipeline (fuse-qdq first), as a user compiles and runs it.
        using var dir = TestPaths.NewTempDirectory();
        File.WriteAllBytes(dir.File("q.onnx"), bytes);
        var compile = HostProcess.Run("compile", dir.File("q.onnx"), "-o", dir.File("q.wasm"));
        Assert.True(compile.ExitCode == 0, compile.ToString());
        for (int seed = 0; seed < 3; seed++)
        {
            var inputs = new Dictionary<string, TensorData> { ["x"] = TinyQuantizable.Input(seed) };
            var ort = OnnxRuntimeOracle.Run(bytes, inputs)["y"].ToFloatArray();
            NpyFile.Write(dir.File($"x{seed}.npy"), inputs["x"]);
            var run = HostProcess.Run("run", dir.File("q.wasm"), "--input", "x=" + dir.File($"x{seed}.npy"), "--output-dir", dir.File($"out{seed}"));
            Assert.True(run.ExitCode == 0, run.ToString());
            var ours = NpyFile.Read(dir.File($"out{seed}/y.npy")).ToFloatArray();
            var reference = OnnxRuntimeOracle.Run(TinyQuantizable.Model().ToByteArray(), inputs)["y"].ToFloatArray();
            for (int i = 0; i < ort.Length; i++)
            {
                Assert.True(Math.Abs(ours[i] - ort[i]) <= step * 1.0001f, $"seed {seed}, y[{i}]: ours {ours[i]}, ONNX Runtime {ort[i]}, step {step}");
            }
            // And the quantized model approximates the float one (8-bit everywhere, a few layers deep: within 10 % of the range).
            float range = reference.Max(Math.Abs);
            Assert.All(reference.Zip(ort), p => Assert.True(Math.Abs(p.First - p.Second) <= 0.1f * range, $"float {p.First} vs int8 {p.Second}"));
        }
    }

    [Fact]
    public void WeightsArePerChannelInt8AlongTheOutputAxisAndBiasesInt32AtInputTimesWeightScale()
    {
        var model = Quantize();
        var nodes = model.Graph.Node;
        Assert.Equal(13, model.OpsetImport.Single(o => o.Domain == "").Version);
        Assert.Equal(3, DequantizeOf(model, "conv1").Count()); // its input x, its weight and its bias

        // conv1's weight (BatchNorm folded in): int8 [4,3,3,3], 4 scales, axis 0, zero points 0.
        var conv1 = nodes.Single(n => n.Name == "conv1");
        var w1Dq = nodes.Single(n => n.Output[0] == conv1.Input[1]);
        Assert.Equal("DequantizeLinear", w1Dq.OpType);
        Assert.Equal(0, w1Dq.Attribute.Single(a => a.Name == "axis").I);
        Assert.Equal(DataType.Int8, Initializer(model, w1Dq.Input[0]).Type.ElementType);
        var w1Scale = Initializer(model, w1Dq.Input[1]).ToFloatArray();
        Assert.Equal(4, w1Scale.Length);
        Assert.All(Initializer(model, w1Dq.Input[2]).ToInt64Array(), z => Assert.Equal(0, z));
        Assert.InRange(Initializer(model, w1Dq.Input[0]).ToInt64Array().Select(Math.Abs).Max(), 126, 127); // symmetric: the largest magnitude maps to 127

        // Its bias: int32, scale = x's scale × each channel's weight scale, axis 0, the DequantizeLinear writes what conv1 reads.
        var b1Dq = nodes.Single(n => n.Output[0] == conv1.Input[2]);
        Assert.Equal(DataType.Int32, Initializer(model, b1Dq.Input[0]).Type.ElementType);
        float xScale = Initializer(model, "x_scale").ToFloatArray()[0];
        Assert.Equal(w1Scale.Select(s => xScale * s), Initializer(model, b1Dq.Input[1]).ToFloatArray());
        Assert.Equal(0, b1Dq.Attribute.Single(a => a.Name == "axis").I);

        // The activation pair before conv1, with ONNX Runtime's names.
        Assert.Equal("x_DequantizeLinear_Output", conv1.Input[0]);
        Assert.Contains(nodes, n => n.OpType == "QuantizeLinear" && n.Name == "x_QuantizeLinear" && n.Input[0] == "x");
        Assert.Equal(DataType.UInt8, Initializer(model, "x_zero_point").Type.ElementType);

        // Gemm with transB=1: weight [5,4], per channel along axis 0; MatMul's [5,3]: along its last axis.
        Assert.Equal(0, nodes.Single(n => n.Output[0] == nodes.Single(g => g.Name == "gemm").Input[1]).Attribute.Single(a => a.Name == "axis").I);
        var wmDq = nodes.Single(n => n.Output[0] == nodes.Single(g => g.Name == "matmul").Input[1]);
        Assert.Equal(1, wmDq.Attribute.Single(a => a.Name == "axis").I);
        Assert.Equal(3, Initializer(model, wmDq.Input[1]).ToFloatArray().Length);

        // BatchNormalization folded, Relu folded into conv1's output quantizer, MaxPool sharing its input's scale.
        Assert.DoesNotContain(nodes, n => n.OpType is "BatchNormalization" or "Relu");
        var pool = nodes.Single(n => n.Name == "pool1");
        Assert.Equal("r1_DequantizeLinear_Output", pool.Input[0]);
        Assert.Equal(Initializer(model, "r1_scale").ToFloatArray(), Initializer(model, "p1_scale").ToFloatArray());
        Assert.Equal(0, Initializer(model, "r1_zero_point").ToInt64Array()[0]); // range [0, max]: ReLU is the clamp at 0

        // No float copy of a quantized weight is left behind.
        Assert.DoesNotContain(model.Graph.Initializer, i => i.Name is "w2" or "wg" or "wm" or "b2" or "bg");
    }

    private static IEnumerable<NodeProto> DequantizeOf(ModelProto model, string nodeName)
    {
        var node = model.Graph.Node.Single(n => n.Name == nodeName);
        return model.Graph.Node.Where(n => n.OpType == "DequantizeLinear" && node.Input.Contains(n.Output[0]));
    }

    [Fact]
    public void KeepFloatLeavesTheNamedNodesInFloatAndPerTensorGivesOneScale()
    {
        var model = Quantize("--keep-float", "conv2,gemm", "--per-channel", "false", "--activations", "s8");
        var conv2 = model.Graph.Node.Single(n => n.Name == "conv2");
        Assert.Equal("w2", conv2.Input[1]);
        Assert.Contains(model.Graph.Initializer, i => i.Name == "w2" && i.DataType == (int)DataType.Float32);
        Assert.Equal("wg", model.Graph.Node.Single(n => n.Name == "gemm").Input[1]);
        var w1Dq = model.Graph.Node.Single(n => n.Output[0] == model.Graph.Node.Single(c => c.Name == "conv1").Input[1]);
        Assert.Empty(w1Dq.Attribute);
        Assert.Equal(1, Initializer(model, w1Dq.Input[1]).Type.ElementCount);
        Assert.Equal(DataType.Int8, Initializer(model, "x_zero_point").Type.ElementType);
    }

    [Fact]
    public void AnOpset8ModelIsRaisedTo13AndOneWhoseOpsChangedIsRefused()
    {
        var old = _dir.File("opset8.onnx");
        File.WriteAllBytes(old, TinyQuantizable.Model(opset: 8).ToByteArray());
        var output = _dir.File("opset8.int8.onnx");
        var ok = InProcessCli.Run(["quantize", old, "-o", output, "--calibrate", _calibration]);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains("raised the opset from 8 to 13", ok.StdErr);
        Assert.Equal(13, ModelProto.Parser.ParseFrom(File.ReadAllBytes(output)).OpsetImport.Single().Version);

        var softmax = TinyQuantizable.Model(opset: 11);
        softmax.Graph.Node.Add(new NodeProto { OpType = "Softmax", Name = "sm", Input = { "y" }, Output = { "s" } });
        softmax.Graph.Output[0].Name = "s";
        var changed = _dir.File("opset11.onnx");
        File.WriteAllBytes(changed, softmax.ToByteArray());
        AssertRefused(["quantize", changed, "-o", _dir.File("o.onnx"), "--calibrate", _calibration], "opset 11", "changed meaning since opset 11: Softmax");
    }

    [Fact]
    public void TheReportListsEveryQuantizedNodeWithItsError()
    {
        var report = _dir.File("report.json");
        Quantize("--report", report, "--method", "percentile", "--percentile", "99.9");
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(report));
        var layers = json.RootElement.GetProperty("layers").EnumerateArray().ToList();
        Assert.Equal(["conv1", "pool1", "conv2", "add1", "gap", "gemm", "matmul"], layers.Select(l => l.GetProperty("node").GetString()));
        Assert.All(layers, l => Assert.True(l.GetProperty("sqnrDb").GetDouble() > 15, l.ToString())); // 8 bits ≈ 48 dB at best; a broken layer is near 0
        Assert.Equal("percentile", json.RootElement.GetProperty("method").GetString());
        Assert.Equal("quantize", json.RootElement.GetProperty("command").GetString());
    }

    [Fact]
    public void TheLibraryEntryThatTheDemoUsesCountsSamplesWithoutAProgressCallback()
    {
        var output = _dir.File("library.int8.onnx");
        var result = Apps.Quantize.Quantizer.Run(new Apps.Quantize.QuantizeRequest { Model = _model, Output = output, Calibrate = [_calibration] });
        Assert.Equal(8, result.Samples);
        Assert.True(File.Exists(output));
    }

    [Theory]
    [InlineData("--method", "kl", "--method must be one of: minmax, percentile, entropy")]
    [InlineData("--percentile", "50", "--percentile must be between 90 and 100")]
    [InlineData("--activations", "u4", "--activations must be u8 or s8")]
    [InlineData("--ops", "Softmax", "--ops: cannot quantize 'Softmax'")]
    [InlineData("--keep-float", "conv9", "--keep-float: no node named 'conv9'")]
    public void BadFlagsAreRefused(string flag, string value, string message)
        => AssertRefused(["quantize", _model, "-o", _dir.File("out.onnx"), "--calibrate", _calibration, flag, value], message);

    [Fact]
    public void BadInputsAreRefusedWithTheFileAndWhatWasExpected()
    {
        var output = _dir.File("out.onnx");
        AssertRefused(["quantize", _model, "-o", output], "--calibrate is required");
        AssertRefused(["quantize", _model, "-o", _model, "--calibrate", _calibration], $"-o {_model}: is the input");
        AssertRefused(["quantize", _model, "-o", _dir.Path, "--calibrate", _calibration], "is a directory");

        var wrongShape = _dir.File("wrong.npy");
        Host.IO.NpyFile.Write(wrongShape, TestTensors.Random([1, 3, 4, 4]));
        AssertRefused(["quantize", _model, "-o", output, "--calibrate", wrongShape], $"{wrongShape}: holds float32[1,3,4,4], but input 'x' of {_model} is float32[1,3,8,8]");

        var garbage = _dir.File("garbage.onnx");
        File.WriteAllBytes(garbage, [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]);
        AssertRefused(["quantize", garbage, "-o", output, "--calibrate", _calibration], "not a valid ONNX model");

        var empty = Directory.CreateDirectory(_dir.File("empty")).FullName;
        File.WriteAllText(Path.Combine(empty, "notes.md"), "nothing to calibrate on");
        AssertRefused(["quantize", _model, "-o", output, "--calibrate", empty], "the folder holds no image, .npy or .txt file");

        var sentences = _dir.File("s.txt");
        File.WriteAllText(sentences, "a sentence\n");
        AssertRefused(["quantize", _model, "-o", output, "--calibrate", sentences], "sentences feed a BERT-style model");
        AssertRefused(["quantize", _model, "-o", output, "--calibrate", _dir.File("missing.png")], "--calibrate not found");
        Assert.False(File.Exists(output), "a refused run must not leave an output");
    }

    private static void AssertRefused(string[] args, params string[] expected)
    {
        var result = InProcessCli.Run(args);
        Assert.True(result.ExitCode == 2, result.ToString());
        foreach (var text in expected)
        {
            Assert.Contains(text, result.StdErr);
        }
        Assert.DoesNotContain("internal error", result.StdErr);
        Assert.DoesNotContain("   at ", result.StdErr);
    }
}
