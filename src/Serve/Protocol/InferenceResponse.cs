using System.Buffers;
using System.Text.Json;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Serve.Protocol;

/// <summary>
/// The body of a successful infer: <c>{"model_name", "id", "outputs": [{"name", "datatype", "shape", "data"}]}</c>,
/// outputs in the order requested. Outputs asked for as binary carry <c>"parameters": {"binary_data_size": N}</c>
/// instead of <c>"data"</c>, and their raw little-endian bytes follow the JSON in the same order; then
/// <see cref="JsonLength"/> goes into the <c>Inference-Header-Content-Length</c> response header.
/// </summary>
public sealed class InferenceResponse
{
    private InferenceResponse(byte[] json, IReadOnlyList<TensorData> binary)
    {
        Json = json;
        Binary = binary;
    }

    public byte[] Json { get; }

    /// <summary>The tensors whose bytes follow the JSON, in order; empty for a JSON-only response.</summary>
    public IReadOnlyList<TensorData> Binary { get; }

    /// <summary>The JSON header's length when binary data follows it, else null.</summary>
    public long? JsonLength => Binary.Count > 0 ? Json.Length : null;

    public static InferenceResponse Create(string model, InferenceRequest request, IReadOnlyDictionary<string, TensorData> outputs)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var binary = new List<TensorData>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("model_name", model);
            if (request.Id is { } id)
            {
                writer.WriteString("id", id);
            }
            writer.WriteStartArray("outputs");
            foreach (var requested in request.Outputs)
            {
                var tensor = outputs[requested.Name];
                writer.WriteStartObject();
                writer.WriteString("name", requested.Name);
                writer.WriteString("datatype", TensorDatatypes.Name(tensor.Type.ElementType));
                writer.WriteStartArray("shape");
                foreach (var dim in tensor.Type.Shape.Dims)
                {
                    writer.WriteNumberValue(dim);
                }
                writer.WriteEndArray();
                if (requested.Binary)
                {
                    writer.WriteStartObject("parameters");
                    writer.WriteNumber("binary_data_size", tensor.Bytes.Length);
                    writer.WriteEndObject();
                    binary.Add(tensor);
                }
                else
                {
                    writer.WritePropertyName("data");
                    JsonTensorData.Write(writer, tensor);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return new InferenceResponse(buffer.WrittenSpan.ToArray(), binary);
    }
}
