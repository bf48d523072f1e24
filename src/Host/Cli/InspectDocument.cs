using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.IO;
using WasmGraph.Onnx;

namespace WasmGraph.Host.Cli;

/// <summary>The peak live activation bytes of an ONNX model as the frontend imports it (null when unknown), and the line inspect prints.</summary>
public sealed record ActivationEstimate(long? PeakLiveBytes, string Text);

/// <summary>
/// The <c>inspect --json</c> document (docs/cli.md). A module's <c>metadata</c> is its <c>wasmgraph.meta</c> section
/// as docs/abi.md defines it, re-serialised from the same <see cref="ModelMetadata"/> the table is printed from, so a
/// field added to the metadata (or to its kernel list) appears here without a change to this file.
/// </summary>
public static class InspectDocument
{
    public static JsonObject ForWasm(string path, byte[] bytes)
    {
        var meta = WasmModuleReader.ReadMetadata(bytes, path);
        double total = meta.Kernels.Sum(k => (double)k.Flops);
        var ops = meta.Kernels.GroupBy(k => k.Op)
            .OrderByDescending(g => g.Sum(k => (double)k.Flops)).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new JsonObject
            {
                ["op"] = g.Key,
                ["kernels"] = g.Count(),
                ["flops"] = g.Sum(k => (double)k.Flops),
                ["share"] = total > 0 ? g.Sum(k => (double)k.Flops) / total : 0,
            });
        var sections = WasmModuleReader.Sections(bytes, path).Select(s => new JsonObject
        {
            ["id"] = s.Id,
            ["name"] = s.Describe(),
            ["bytes"] = s.Length,
        });
        return new JsonObject
        {
            ["schemaVersion"] = CliJson.SchemaVersion,
            ["command"] = "inspect",
            ["file"] = path,
            ["kind"] = "wasm",
            ["sizeBytes"] = bytes.LongLength,
            ["flopsPerRun"] = total,
            ["metadata"] = JsonNode.Parse(meta.ToJson()),
            ["ops"] = new JsonArray([.. ops]),
            ["sections"] = new JsonArray([.. sections]),
        };
    }

    public static JsonObject ForOnnx(string path, byte[] bytes, OnnxModelSummary model, ActivationEstimate activations)
    {
        return new JsonObject
        {
            ["schemaVersion"] = CliJson.SchemaVersion,
            ["command"] = "inspect",
            ["file"] = path,
            ["kind"] = "onnx",
            ["sizeBytes"] = bytes.LongLength,
            ["graph"] = model.GraphName,
            ["producer"] = model.Producer,
            ["producerVersion"] = model.ProducerVersion,
            ["irVersion"] = model.IrVersion,
            ["opsets"] = Object(model.Opsets.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => (o.Key, (JsonNode?)o.Value))),
            ["nodes"] = model.NodeCount,
            ["initializers"] = model.InitializerCount,
            ["parameters"] = model.ParameterCount,
            ["parameterBytes"] = model.ParameterBytes,
            ["peakActivationBytes"] = activations.PeakLiveBytes,
            ["activationNote"] = activations.PeakLiveBytes is null ? activations.Text : null,
            ["metadataProps"] = Object(model.MetadataProps.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, (JsonNode?)p.Value))),
            ["inputs"] = new JsonArray([.. model.Inputs.Select(ValueInfo)]),
            ["outputs"] = new JsonArray([.. model.Outputs.Select(ValueInfo)]),
            ["ops"] = Object(model.OpHistogram.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
                                  .Select(kv => (kv.Key, (JsonNode?)kv.Value))),
        };
    }

    /// <summary>An ONNX input or output; each dim is an integer, a symbolic name ("batch"), or "?" when the model gives neither.</summary>
    private static JsonObject ValueInfo(OnnxValueInfo info) => new()
    {
        ["name"] = info.Name,
        ["dtype"] = info.DType,
        ["shape"] = new JsonArray([.. info.Dims.Select(d => long.TryParse(d, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
                                                         ? JsonValue.Create(n) : (JsonNode)JsonValue.Create(d))]),
    };

    /// <summary>An object from pairs; a repeated key (a crafted model's repeated metadata key) keeps the last value.</summary>
    private static JsonObject Object(IEnumerable<(string Key, JsonNode? Value)> pairs)
    {
        var result = new JsonObject();
        foreach (var (key, value) in pairs)
        {
            result[key] = value;
        }
        return result;
    }
}
