using System.Text.Json;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Serve.Tests;

/// <summary>
/// The protocol end to end on a running server (<see cref="ServedModels"/>): metadata from the modules, and infer
/// results compared with ONNX Runtime on the same inputs.
/// </summary>
public sealed class ModelServingTests : IClassFixture<ServedModels>
{
    /// <summary>Stated tolerances: max |served − ORT| ≤ 1e-5 × max |ORT| for the tiny model, 1e-3 × for ResNet18's 512-d embedding (as ModelCliTests).</summary>
    private const double TinyTolerance = 1e-5;
    private const double ResNetTolerance = 1e-3;

    private readonly ServedModels _models;

    public ModelServingTests(ServedModels models) => _models = models;

    private HttpClient Client => _models.Server.Client;

    [Fact]
    public async Task HealthServerAndModelMetadataFollowTheProtocol()
    {
        Assert.Equal("""{"live":true}""", await Client.GetStringAsync("v2/health/live"));
        Assert.Equal("""{"ready":true}""", await Client.GetStringAsync("v2/health/ready"));
        using var server = JsonDocument.Parse(await Client.GetStringAsync("v2"));
        Assert.Equal("wasmgraph", server.RootElement.GetProperty("name").GetString());
        Assert.Contains("binary_tensor_data", server.RootElement.GetProperty("extensions").EnumerateArray().Select(e => e.GetString()));

        using var tiny = JsonDocument.Parse(await Client.GetStringAsync("v2/models/tiny"));
        Assert.Equal("""[{"name":"x","datatype":"FP32","shape":[2,3]},{"name":"ids","datatype":"INT64","shape":[2]}]""",
                     tiny.RootElement.GetProperty("inputs").GetRawText());
        Assert.Equal("""[{"name":"y","datatype":"FP32","shape":[2,4]},{"name":"rows","datatype":"FP32","shape":[2,3]}]""",
                     tiny.RootElement.GetProperty("outputs").GetRawText());
        using var resnet = JsonDocument.Parse(await Client.GetStringAsync("v2/models/resnet18/versions/1"));
        Assert.Equal("""[{"name":"Input247","datatype":"FP32","shape":[1,3,224,224]}]""", resnet.RootElement.GetProperty("inputs").GetRawText());
        Assert.Equal("""{"name":"resnet18","ready":true}""", await Client.GetStringAsync("v2/models/resnet18/ready"));
    }

    [Fact]
    public async Task JsonInferOfBothDatatypesMatchesOnnxRuntime()
    {
        var random = new Random(11);
        var inputs = new Dictionary<string, TensorData>
        {
            ["x"] = TensorData.FromFloats(new Shape(2, 3), Enumerable.Range(0, 6).Select(_ => random.NextSingle() * 4 - 2).ToArray()),
            ["ids"] = TensorData.FromInt64s(new Shape(2), [4, 1]),
        };
        var (status, body) = await InferClient.PostJsonAsync(Client, "tiny", InferClient.JsonBody(inputs, id: "req-7"));
        using (body)
        {
            Assert.True(status == 200, body.RootElement.GetRawText());
            Assert.Equal("tiny", body.RootElement.GetProperty("model_name").GetString());
            Assert.Equal("req-7", body.RootElement.GetProperty("id").GetString());
            var expected = OnnxRuntimeOracle.Run(File.ReadAllBytes(_models.TinyOnnx), inputs);
            var actual = InferClient.Outputs(body);
            TensorAssert.Close(expected["y"], actual["y"], TinyTolerance, "tiny model output y");
            TensorAssert.Close(expected["rows"], actual["rows"], TinyTolerance, "tiny model output rows (Gather by INT64 ids)");
        }
    }

    [Fact]
    public async Task RequestedOutputsAreReturnedAloneAndInTheirOrder()
    {
        var inputs = new Dictionary<string, TensorData>
        {
            ["x"] = TensorData.FromFloats(new Shape(2, 3), [1, 2, 3, 4, 5, 6]),
            ["ids"] = TensorData.FromInt64s(new Shape(2), [0, 0]),
        };
        var (status, body) = await InferClient.PostJsonAsync(Client, "tiny", InferClient.JsonBody(inputs, null, "rows"));
        using (body)
        {
            Assert.Equal(200, status);
            Assert.Equal(["rows"], body.RootElement.GetProperty("outputs").EnumerateArray().Select(o => o.GetProperty("name").GetString()));
        }
    }

    [Fact]
    public async Task ResNet18OverTheBinaryExtensionMatchesOnnxRuntime()
    {
        var input = Noise(3);
        var (header, output) = await InferClient.PostBinaryAsync(Client, "resnet18", "Input247", input);
        using (header)
        {
            var described = header.RootElement.GetProperty("outputs")[0];
            Assert.Equal("Pooling395_Output_0", described.GetProperty("name").GetString());
            Assert.Equal(2048, described.GetProperty("parameters").GetProperty("binary_data_size").GetInt32());
            TensorAssert.Close(Reference(input), TensorData.FromFloats(new Shape(1, 512, 1, 1), output), ResNetTolerance, "ResNet18 served over binary data");
        }
    }

    [Fact]
    public async Task ConcurrentResNet18RequestsBeyondTheInstancesAreEachAnsweredWithTheirOwnResult()
    {
        // Four different inputs at once on two instances: two wait in the queue; every answer must be its own input's.
        var inputs = Enumerable.Range(20, 4).Select(Noise).ToList();
        var answers = await Task.WhenAll(inputs.Select(i => InferClient.PostBinaryAsync(Client, "resnet18", "Input247", i)));
        for (int i = 0; i < inputs.Count; i++)
        {
            answers[i].Header.Dispose();
            TensorAssert.Close(Reference(inputs[i]), TensorData.FromFloats(new Shape(1, 512, 1, 1), answers[i].Output), ResNetTolerance, $"concurrent request {i}");
        }
    }

    [Fact]
    public async Task ResNet18OverJsonMatchesOnnxRuntime()
    {
        var input = Noise(5);
        var (status, body) = await InferClient.PostJsonAsync(Client, "resnet18", InferClient.JsonBody(new Dictionary<string, TensorData> { ["Input247"] = input }));
        using (body)
        {
            Assert.True(status == 200, body.RootElement.GetRawText());
            TensorAssert.Close(Reference(input), InferClient.Outputs(body)["Pooling395_Output_0"], ResNetTolerance, "ResNet18 served over JSON");
        }
    }

    [Fact]
    public async Task MetricsCountRequestsPerModelInPrometheusText()
    {
        var inputs = new Dictionary<string, TensorData>
        {
            ["x"] = TensorData.FromFloats(new Shape(2, 3), [1, 2, 3, 4, 5, 6]),
            ["ids"] = TensorData.FromInt64s(new Shape(2), [1, 2]),
        };
        (await InferClient.PostJsonAsync(Client, "tiny", InferClient.JsonBody(inputs))).Body.Dispose();
        (await InferClient.PostJsonAsync(Client, "tiny", """{"inputs":[]}""")).Body.Dispose();
        var metrics = await Client.GetStringAsync("metrics");
        Assert.Matches("""wasmgraph_serve_requests_total\{model="tiny",code="200"\} [1-9]""", metrics);
        Assert.Matches("""wasmgraph_serve_errors_total\{model="tiny",reason="bad_request"\} [1-9]""", metrics);
        Assert.Contains("""wasmgraph_serve_instances{model="resnet18"} 2""", metrics);
        Assert.Contains("wasmgraph_serve_request_duration_seconds_bucket{model=\"tiny\",le=", metrics);
        Assert.Contains("process_working_set_bytes", metrics); // prometheus-net's process metrics: the resident set
    }

    /// <summary>Seeded pixels in ResNet18's input range.</summary>
    private static TensorData Noise(int seed)
    {
        var random = new Random(seed);
        return TensorData.FromFloats(new Shape(1, 3, 224, 224), Enumerable.Range(0, 3 * 224 * 224).Select(_ => random.NextSingle() * 255f).ToArray());
    }

    private static TensorData Reference(TensorData input)
        => OnnxRuntimeOracle.Run(File.ReadAllBytes(ServedModels.ResNet18Onnx), new Dictionary<string, TensorData> { ["Input247"] = input }).Values.Single();
}
