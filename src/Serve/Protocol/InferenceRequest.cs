using System.Globalization;
using System.Text.Json;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Serve.Protocol;

/// <summary>An output the client asked for, and whether it wants it as binary tensor data.</summary>
public sealed record RequestedOutput(string Name, bool Binary);

/// <summary>
/// A parsed <c>POST /v2/models/{name}/infer</c> body, checked against the model's metadata before anything runs:
/// every input named once, with the model's datatype and shape and exactly its number of elements; requested outputs
/// must exist. With the binary tensor data extension the body is the JSON header (its length in the
/// <c>Inference-Header-Content-Length</c> header) followed by the raw little-endian bytes of the inputs that declare
/// <c>"parameters": {"binary_data_size": N}</c>, in input order.
/// </summary>
public sealed class InferenceRequest
{
    /// <summary>The nesting JSON may have: a request is 4 levels deep plus the data's rank (at most 16).</summary>
    private const int MaxJsonDepth = 32;

    private InferenceRequest(string? id, Dictionary<string, TensorData> inputs, IReadOnlyList<RequestedOutput> outputs)
    {
        Id = id;
        Inputs = inputs;
        Outputs = outputs;
    }

    public string? Id { get; }

    public IReadOnlyDictionary<string, TensorData> Inputs { get; }

    /// <summary>The outputs to return, in the order to return them (all of the model's when the request names none).</summary>
    public IReadOnlyList<RequestedOutput> Outputs { get; }

    /// <summary>Parses <paramref name="body"/>; <paramref name="jsonLength"/> is the binary extension's header length, or null for a JSON-only body.</summary>
    public static InferenceRequest Parse(ReadOnlyMemory<byte> body, long? jsonLength, string model, ModelMetadata metadata)
    {
        if (jsonLength is { } length && (length <= 0 || length > body.Length))
        {
            throw ProtocolException.BadRequest(
                $"Inference-Header-Content-Length is {length.ToString(CultureInfo.InvariantCulture)}, but the body has {body.Length} bytes");
        }
        var json = jsonLength is { } n ? body[..(int)n] : body;
        var binary = jsonLength is { } m ? body[(int)m..] : ReadOnlyMemory<byte>.Empty;
        if (json.IsEmpty)
        {
            throw ProtocolException.BadRequest("the request body is empty; expected a JSON object with \"inputs\"");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxJsonDepth });
        }
        catch (JsonException e)
        {
            throw ProtocolException.BadRequest($"the request body is not valid JSON: {e.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw ProtocolException.BadRequest("the request body must be a JSON object with \"inputs\"");
            }
            string? id = OptionalString(root, "id", "request");
            bool binaryOutputs = Flag(root, "binary_data_output", "request");
            var inputs = ReadInputs(root, binary, model, metadata);
            var outputs = ReadOutputs(root, binaryOutputs, model, metadata);
            return new InferenceRequest(id, inputs, outputs);
        }
    }

    private static Dictionary<string, TensorData> ReadInputs(JsonElement root, ReadOnlyMemory<byte> binary, string model, ModelMetadata metadata)
    {
        if (!root.TryGetProperty("inputs", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            throw ProtocolException.BadRequest($"the request must have \"inputs\", an array; model '{model}' takes: {Describe(metadata.Inputs)}");
        }
        var inputs = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        int offset = 0;
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw ProtocolException.BadRequest("each entry of \"inputs\" must be an object with name, shape, datatype and data");
            }
            string name = RequiredString(item, "name", "input");
            var info = metadata.Inputs.FirstOrDefault(i => i.Name == name)
                ?? throw ProtocolException.BadRequest($"model '{model}' has no input '{Shorten(name)}'; its inputs are: {Describe(metadata.Inputs)}");
            if (inputs.ContainsKey(name))
            {
                throw ProtocolException.BadRequest($"input '{name}' is given twice");
            }
            var declared = info.ToTensorType();
            CheckDatatype(item, name, declared);
            CheckShape(item, name, declared);

            long? binarySize = BinaryDataSize(item, name);
            if (binarySize is { } size)
            {
                if (size != declared.ByteSize)
                {
                    throw ProtocolException.BadRequest($"input '{name}': binary_data_size is {size}, but {Describe(info)} takes {declared.ByteSize} bytes");
                }
                if (binary.Length - offset < size)
                {
                    throw ProtocolException.BadRequest($"input '{name}': binary_data_size is {size}, but only {binary.Length - offset} bytes of binary data remain");
                }
                inputs[name] = new TensorData(declared, binary.Slice(offset, (int)size).ToArray());
                offset += (int)size;
            }
            else if (item.TryGetProperty("data", out var data))
            {
                inputs[name] = JsonTensorData.Read(data, declared, name);
            }
            else
            {
                throw ProtocolException.BadRequest($"input '{name}' has no \"data\" (nor parameters.binary_data_size)");
            }
        }
        if (offset != binary.Length)
        {
            throw ProtocolException.BadRequest($"the body has {binary.Length - offset} bytes of binary data that no input's binary_data_size claims");
        }
        var missing = metadata.Inputs.Where(i => !inputs.ContainsKey(i.Name)).ToList();
        if (missing.Count > 0)
        {
            throw ProtocolException.BadRequest($"missing input{(missing.Count == 1 ? "" : "s")} {string.Join(", ", missing.Select(Describe))} of model '{model}'");
        }
        return inputs;
    }

    private static void CheckDatatype(JsonElement item, string name, TensorType declared)
    {
        string datatype = RequiredString(item, "datatype", $"input '{name}'");
        if (!TensorDatatypes.TryParse(datatype, out var given))
        {
            throw ProtocolException.BadRequest(
                $"input '{name}': unknown datatype '{Shorten(datatype)}'; expected {TensorDatatypes.Name(declared.ElementType)} (the protocol's names: {string.Join(", ", TensorDatatypes.All)})");
        }
        if (given != declared.ElementType)
        {
            throw ProtocolException.BadRequest($"input '{name}' is {TensorDatatypes.Name(declared.ElementType)}, not {datatype}");
        }
    }

    private static void CheckShape(JsonElement item, string name, TensorType declared)
    {
        if (!item.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array)
        {
            throw ProtocolException.BadRequest($"input '{name}' has no \"shape\" array; expected {declared.Shape}");
        }
        var dims = new List<long>();
        foreach (var dim in shape.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long d) || d < 0 || dims.Count >= 64)
            {
                throw ProtocolException.BadRequest($"input '{name}': \"shape\" must be an array of non-negative integers; expected {declared.Shape}");
            }
            dims.Add(d);
        }
        if (!dims.SequenceEqual(declared.Shape.Dims))
        {
            throw ProtocolException.BadRequest($"input '{name}' has shape [{string.Join(",", dims)}], but the model takes {declared.Shape}");
        }
    }

    private static long? BinaryDataSize(JsonElement item, string name)
    {
        if (!item.TryGetProperty("parameters", out var parameters) || parameters.ValueKind != JsonValueKind.Object
            || !parameters.TryGetProperty("binary_data_size", out var size))
        {
            return null;
        }
        if (size.ValueKind != JsonValueKind.Number || !size.TryGetInt64(out long value) || value < 0)
        {
            throw ProtocolException.BadRequest($"input '{name}': parameters.binary_data_size must be a non-negative integer");
        }
        return value;
    }

    private static List<RequestedOutput> ReadOutputs(JsonElement root, bool binaryByDefault, string model, ModelMetadata metadata)
    {
        if (!root.TryGetProperty("outputs", out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return metadata.Outputs.Select(o => new RequestedOutput(o.Name, binaryByDefault)).ToList();
        }
        if (list.ValueKind != JsonValueKind.Array)
        {
            throw ProtocolException.BadRequest("\"outputs\" must be an array of objects with a name");
        }
        var outputs = new List<RequestedOutput>();
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw ProtocolException.BadRequest("each entry of \"outputs\" must be an object with a name");
            }
            string name = RequiredString(item, "name", "output");
            if (!metadata.Outputs.Any(o => o.Name == name))
            {
                throw ProtocolException.BadRequest($"model '{model}' has no output '{Shorten(name)}'; its outputs are: {Describe(metadata.Outputs)}");
            }
            if (outputs.Any(o => o.Name == name))
            {
                throw ProtocolException.BadRequest($"output '{name}' is requested twice");
            }
            bool binary = item.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object
                ? FlagOr(parameters, "binary_data", $"output '{name}'", binaryByDefault)
                : binaryByDefault;
            outputs.Add(new RequestedOutput(name, binary));
        }
        return outputs;
    }

    private static bool Flag(JsonElement root, string key, string where)
        => root.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object && FlagOr(parameters, key, where, false);

    private static bool FlagOr(JsonElement parameters, string key, string where, bool fallback)
    {
        if (!parameters.TryGetProperty(key, out var value))
        {
            return fallback;
        }
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw ProtocolException.BadRequest($"{where}: parameters.{key} must be true or false"),
        };
    }

    private static string RequiredString(JsonElement item, string key, string where)
        => OptionalString(item, key, where) ?? throw ProtocolException.BadRequest($"{where} has no \"{key}\"");

    private static string? OptionalString(JsonElement item, string key, string where)
    {
        if (!item.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw ProtocolException.BadRequest($"{where}: \"{key}\" must be a string");
    }

    /// <summary>A name the client wrote, as it is quoted back: at most 100 characters.</summary>
    private static string Shorten(string text) => text.Length <= 100 ? text : text[..100] + "…";

    private static string Describe(TensorInfo info) => $"'{info.Name}' {DescribeType(info)}";

    private static string DescribeType(TensorInfo info)
    {
        var type = info.ToTensorType();
        return $"{TensorDatatypes.Name(type.ElementType)} {type.Shape}";
    }

    private static string Describe(IEnumerable<TensorInfo> tensors) => string.Join(", ", tensors.Select(Describe));
}
