using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Serve.Protocol;

namespace WasmGraph.Serve.Tests;

/// <summary>A v2 client written for the tests from the protocol's text (not from the server's code): JSON and binary infer.</summary>
public static class InferClient
{
    /// <summary>A JSON infer body: each input with its datatype, shape and flat data.</summary>
    public static string JsonBody(IReadOnlyDictionary<string, TensorData> inputs, string? id = null, params string[] outputs)
    {
        var request = new JsonObject();
        if (id is not null)
        {
            request["id"] = id;
        }
        var list = new JsonArray();
        foreach (var (name, tensor) in inputs)
        {
            var data = new JsonArray();
            if (tensor.Type.ElementType == DataType.Int64)
            {
                foreach (var v in tensor.ToInt64Array())
                {
                    data.Add(v);
                }
            }
            else
            {
                foreach (var v in tensor.ToFloatArray())
                {
                    data.Add(v);
                }
            }
            list.Add(new JsonObject
            {
                ["name"] = name,
                ["datatype"] = TensorDatatypes.Name(tensor.Type.ElementType),
                ["shape"] = new JsonArray(tensor.Type.Shape.Dims.Select(d => (JsonNode)d).ToArray()),
                ["data"] = data,
            });
        }
        request["inputs"] = list;
        if (outputs.Length > 0)
        {
            request["outputs"] = new JsonArray(outputs.Select(o => (JsonNode)new JsonObject { ["name"] = o }).ToArray());
        }
        return request.ToJsonString();
    }

    public static async Task<(int Status, JsonDocument Body)> PostJsonAsync(HttpClient client, string model, string body)
    {
        using var response = await client.PostAsync($"v2/models/{model}/infer", new StringContent(body, Encoding.UTF8, "application/json"));
        return ((int)response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()));
    }

    /// <summary>The outputs of a 200 JSON response, typed by their datatype and shape.</summary>
    public static Dictionary<string, TensorData> Outputs(JsonDocument body)
    {
        var outputs = new Dictionary<string, TensorData>();
        foreach (var output in body.RootElement.GetProperty("outputs").EnumerateArray())
        {
            Assert.True(TensorDatatypes.TryParse(output.GetProperty("datatype").GetString()!, out var type));
            var shape = new Shape(output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray());
            var data = output.GetProperty("data").EnumerateArray().ToList();
            outputs[output.GetProperty("name").GetString()!] = type switch
            {
                DataType.Float32 => TensorData.FromFloats(shape, data.Select(d => d.GetSingle()).ToArray()),
                DataType.Int64 => TensorData.FromInt64s(shape, data.Select(d => d.GetInt64()).ToArray()),
                _ => throw new NotSupportedException(type.ToString()),
            };
        }
        return outputs;
    }

    /// <summary>A binary-extension infer of one FP32 input, asking for every output as binary; returns the first output's floats.</summary>
    public static async Task<(JsonDocument Header, float[] Output)> PostBinaryAsync(HttpClient client, string model, string input, TensorData tensor)
    {
        var header = Encoding.UTF8.GetBytes(
            $$$"""{"inputs":[{"name":"{{{input}}}","shape":[{{{string.Join(",", tensor.Type.Shape.Dims)}}}],"datatype":"FP32","parameters":{"binary_data_size":{{{tensor.Bytes.Length}}}}}],"parameters":{"binary_data_output":true}}""");
        var content = new ByteArrayContent([.. header, .. tensor.Bytes]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add("Inference-Header-Content-Length", header.Length.ToString(CultureInfo.InvariantCulture));
        using var response = await client.PostAsync($"v2/models/{model}/infer", content);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.IsSuccessStatusCode, Encoding.UTF8.GetString(bytes));
        int jsonLength = int.Parse(response.Headers.GetValues("Inference-Header-Content-Length").Single(), CultureInfo.InvariantCulture);
        var json = JsonDocument.Parse(bytes.AsMemory(0, jsonLength));
        return (json, MemoryMarshal.Cast<byte, float>(bytes.AsSpan(jsonLength)).ToArray());
    }
}
