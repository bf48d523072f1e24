using System.Text;
using System.Text.Json;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Serve.Protocol;

namespace WasmGraph.Serve.Tests.Protocol;

/// <summary>The v2 request parser against a model with an FP32 [2,3] input, an INT64 [2] input and two outputs.</summary>
public sealed class InferenceRequestTests
{
    private static readonly ModelMetadata Model = new()
    {
        Name = "m",
        Inputs = [new TensorInfo("x", "float32", [2, 3], 24), new TensorInfo("ids", "int64", [2], 16)],
        Outputs = [new TensorInfo("y", "float32", [2, 3], 24), new TensorInfo("z", "float16", [1], 2)],
    };

    private const string Ids = """{"name":"ids","shape":[2],"datatype":"INT64","data":[7,-9007199254740993]}""";

    private static InferenceRequest Parse(string json, byte[]? binary = null)
    {
        var body = Encoding.UTF8.GetBytes(json);
        return InferenceRequest.Parse(binary is null ? body : [.. body, .. binary], binary is null ? null : body.Length, "m", Model);
    }

    private static string Refused(string json, byte[]? binary = null)
        => Assert.Throws<ProtocolException>(() => Parse(json, binary)).Message;

    [Fact]
    public void FlatAndNestedDataGiveTheSameRowMajorTensor()
    {
        var flat = Parse($$"""{"id":"r1","inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[1,2,3,4,5,6.5]},{{Ids}}]}""");
        var nested = Parse($$"""{"inputs":[{{Ids}},{"name":"x","shape":[2,3],"datatype":"FP32","data":[[1,2,3],[4,5,6.5]]}]}""");

        Assert.Equal("r1", flat.Id);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6.5f }, flat.Inputs["x"].ToFloatArray());
        Assert.Equal(flat.Inputs["x"].Bytes.ToArray(), nested.Inputs["x"].Bytes.ToArray());
        Assert.Equal(new[] { 7L, -9007199254740993L }, flat.Inputs["ids"].ToInt64Array()); // beyond 2^53: read as an integer, not a double
        Assert.Equal(["y", "z"], flat.Outputs.Select(o => o.Name));
        Assert.All(flat.Outputs, o => Assert.False(o.Binary));
    }

    [Fact]
    public void BinaryInputsAreTakenInOrderAfterTheJsonHeader()
    {
        var floats = new float[] { 1, 2, 3, 4, 5, float.NaN };
        var ids = new long[] { long.MaxValue, 3 };
        byte[] binary = [.. System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.AsSpan()), .. System.Runtime.InteropServices.MemoryMarshal.AsBytes(ids.AsSpan())];
        var request = Parse("""
            {"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","parameters":{"binary_data_size":24}},
                       {"name":"ids","shape":[2],"datatype":"INT64","parameters":{"binary_data_size":16}}],
             "parameters":{"binary_data_output":true},"outputs":[{"name":"z"},{"name":"y","parameters":{"binary_data":false}}]}
            """, binary);

        Assert.Equal(floats, request.Inputs["x"].ToFloatArray());
        Assert.Equal(ids, request.Inputs["ids"].ToInt64Array());
        Assert.Equal([new RequestedOutput("z", true), new RequestedOutput("y", false)], request.Outputs);
    }

    [Theory]
    [InlineData("""{"inputs":[{"name":"x","shape":[2,3],"datatype":"FP64","data":[1,2,3,4,5,6]}]}""", "input 'x' is FP32, not FP64")]
    [InlineData("""{"inputs":[{"name":"x","shape":[2,3],"datatype":"FLOAT","data":[1,2,3,4,5,6]}]}""", "unknown datatype 'FLOAT'; expected FP32")]
    [InlineData("""{"inputs":[{"name":"x","shape":[3,2],"datatype":"FP32","data":[1,2,3,4,5,6]}]}""", "input 'x' has shape [3,2], but the model takes [2,3]")]
    [InlineData("""{"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[1,2,3,4,5]}]}""", "\"data\" has 5 elements, but its shape [2,3] holds 6")]
    [InlineData("""{"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[1,2,3,4,5,6,7]}]}""", "more than the 6 elements")]
    [InlineData("""{"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[1,2,"three",4,5,6]}]}""", "data element 2 is \"three\"; expected a number")]
    [InlineData("""{"inputs":[{"name":"ids","shape":[2],"datatype":"INT64","data":[1.5,2]}]}""", "data element 0 is 1.5; expected a whole number")]
    [InlineData("""{"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[1,1e39,3,4,5,6]}]}""", "data element 1 is 1e39; expected a number within FP32's range")]
    [InlineData("""{"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[1,2,-1e999,4,5,6]}]}""", "data element 2 is -1e999; expected a number within FP32's range")]
    [InlineData("""{"inputs":[{"name":"w","shape":[1],"datatype":"FP32","data":[1]}]}""", "model 'm' has no input 'w'; its inputs are: 'x' FP32 [2,3], 'ids' INT64 [2]")]
    [InlineData("""{"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[1,2,3,4,5,6]}]}""", "missing input 'ids' INT64 [2]")]
    [InlineData("""{"inputs":{}}""", "\"inputs\", an array")]
    [InlineData("""[1,2]""", "must be a JSON object")]
    [InlineData("""{"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[1,2,3,4,5,6]}""", "not valid JSON")]
    [InlineData("", "empty")]
    [InlineData("""{"inputs":[{"name":"x","shape":[-2,3],"datatype":"FP32","data":[]}]}""", "non-negative integers")]
    [InlineData("""{"inputs":[],"outputs":[{"name":"q"}]}""", "missing inputs")]
    public void AMalformedOrMismatchedRequestIsRefusedNamingWhatIsWrong(string json, string expected)
        => Assert.Contains(expected, Refused(json));

    [Fact]
    public void TheLargestFiniteFloatIsAccepted()
    {
        var request = Parse($$"""{"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[3.4028235e38,-3.4028235e38,1e-50,0,0,0]},{{Ids}}]}""");
        Assert.Equal(new[] { float.MaxValue, float.MinValue, 0f, 0, 0, 0 }, request.Inputs["x"].ToFloatArray());
    }

    [Fact]
    public void AnUnknownOutputIsRefused()
        => Assert.Contains("model 'm' has no output 'q'; its outputs are: 'y' FP32 [2,3], 'z' FP16 [1]",
                           Refused($$"""{"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[1,2,3,4,5,6]},{{Ids}}],"outputs":[{"name":"q"}]}"""));

    [Fact]
    public void ALongUnknownNameIsQuotedBackShortened()
    {
        var error = Refused($$"""{"inputs":[{"name":"{{new string('w', 100_000)}}","shape":[1],"datatype":"FP32","data":[1]}]}""");
        Assert.Contains("has no input 'www", error);
        Assert.True(error.Length < 300, $"{error.Length} characters");
    }

    [Fact]
    public void BinaryDataThatDoesNotAddUpIsRefused()
    {
        const string Header = """{"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","parameters":{"binary_data_size":24}},{"name":"ids","shape":[2],"datatype":"INT64","data":[1,2]}]}""";
        Assert.Contains("only 20 bytes of binary data remain", Refused(Header, new byte[20]));
        Assert.Contains("4 bytes of binary data that no input", Refused(Header, new byte[28]));
        Assert.Contains("binary_data_size is 20, but 'x' FP32 [2,3] takes 24 bytes", Refused(Header.Replace("24", "20"), new byte[20]));
        Assert.Contains("Inference-Header-Content-Length is 999", Assert.Throws<ProtocolException>(
            () => InferenceRequest.Parse(Encoding.UTF8.GetBytes(Header), 999, "m", Model)).Message);
    }

    [Fact]
    public void DeeplyNestedJsonIsRefusedWithoutRecursing()
    {
        var deep = """{"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":""" + new string('[', 100_000) + new string(']', 100_000) + "}]}";
        Assert.Contains("not valid JSON", Refused(deep));
    }

    [Fact]
    public void IntegersOutsideTheDatatypesRangeAreRefused()
    {
        var metadata = Model with { Inputs = [new TensorInfo("b", "uint8", [2], 2)] };
        var error = Assert.Throws<ProtocolException>(() => InferenceRequest.Parse(
            Encoding.UTF8.GetBytes("""{"inputs":[{"name":"b","shape":[2],"datatype":"UINT8","data":[255,256]}]}"""), null, "m", metadata));
        Assert.Contains("data element 1 is 256; expected a whole number from 0 to 255 (UINT8)", error.Message);
    }

    [Fact]
    public void ResponsesWriteNonFiniteFloatsAsTheStringsRequestsAccept()
    {
        var request = Parse($$"""{"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":["NaN","Infinity","-Infinity",0,-0.0,1e-45]},{{Ids}}]}""");
        var x = request.Inputs["x"];
        var outputs = new Dictionary<string, TensorData>
        {
            ["y"] = x,
            ["z"] = new TensorData(new TensorType(DataType.Float16, new Shape(1)), BitConverter.GetBytes((Half)0.5f)),
        };
        var response = InferenceResponse.Create("m", request, outputs);
        Assert.Null(response.JsonLength);
        using var json = JsonDocument.Parse(response.Json);
        var y = json.RootElement.GetProperty("outputs")[0];
        Assert.Equal("FP32", y.GetProperty("datatype").GetString());
        Assert.Equal("""["NaN","Infinity","-Infinity",0,-0,1E-45]""", y.GetProperty("data").GetRawText());
        Assert.Equal(0.5, json.RootElement.GetProperty("outputs")[1].GetProperty("data")[0].GetDouble());

        // What the server writes, it reads back to the same bits.
        var again = Parse($$"""{"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":{{y.GetProperty("data").GetRawText()}}},{{Ids}}]}""");
        Assert.Equal(x.Bytes.ToArray(), again.Inputs["x"].Bytes.ToArray());
    }

    [Fact]
    public void EveryElementTypeHasAProtocolName()
    {
        foreach (var type in DataTypes.All)
        {
            Assert.True(TensorDatatypes.TryParse(TensorDatatypes.Name(type), out var back));
            Assert.Equal(type, back);
        }
    }
}
