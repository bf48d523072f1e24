using System.Collections.Immutable;
using System.Text;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Runtimes.Wasmtime;

/// <summary>
/// Reads and checks the <c>wasmgraph.meta</c> custom section. The session trusts the metadata for every byte count it
/// copies, so inconsistencies (a byte size that does not match dtype × shape, a duplicate name) are refused here
/// instead of turning into a wrong copy later.
/// </summary>
public static class MetadataSection
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static ModelMetadata Read(WasmModuleInfo module)
    {
        var section = module.FindCustomSection(ModelMetadata.SectionName)
            ?? throw new WasmGraphException(
                $"module has no '{ModelMetadata.SectionName}' custom section, so its inputs and outputs are unknown; " +
                "it was not built by WasmGraph or the section was stripped");
        string json;
        try
        {
            json = StrictUtf8.GetString(section.Span);
        }
        catch (DecoderFallbackException)
        {
            throw new WasmGraphException($"the '{ModelMetadata.SectionName}' section is not valid UTF-8");
        }

        var metadata = ModelMetadata.FromJson(json);
        if (metadata.Abi != ModelMetadata.AbiVersion)
        {
            throw new WasmGraphException(
                $"module was built for WasmGraph ABI version {metadata.Abi}; this runtime supports version {ModelMetadata.AbiVersion}");
        }
        CheckTensors("input", metadata.Inputs);
        CheckTensors("output", metadata.Outputs);
        if (metadata.Outputs.IsDefaultOrEmpty)
        {
            throw new WasmGraphException("model metadata declares no outputs");
        }
        return metadata;
    }

    /// <summary>The declared type of each tensor, in ABI index order.</summary>
    public static TensorType[] TypesOf(ImmutableArray<TensorInfo> tensors) => tensors.Select(t => t.ToTensorType()).ToArray();

    private static void CheckTensors(string kind, ImmutableArray<TensorInfo> tensors)
    {
        if (tensors.IsDefault)
        {
            throw new WasmGraphException($"model metadata has no {kind} list");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            if (string.IsNullOrEmpty(tensor.Name))
            {
                throw new WasmGraphException($"model metadata has an {kind} without a name");
            }
            if (!seen.Add(tensor.Name))
            {
                throw new WasmGraphException($"model metadata declares {kind} '{tensor.Name}' twice");
            }
            if (tensor.Shape.IsDefault)
            {
                throw new WasmGraphException($"model metadata gives {kind} '{tensor.Name}' no shape");
            }
            if (tensor.Shape.Any(d => d < 0))
            {
                throw new WasmGraphException($"model metadata gives {kind} '{tensor.Name}' a negative dimension in shape {FormatDims(tensor)}");
            }
            if (tensor.DynamicDims is { } dynamic && (dynamic.Any(d => d < 0 || d >= tensor.Shape.Length) || dynamic.Distinct().Count() != dynamic.Length))
            {
                throw new WasmGraphException($"model metadata gives {kind} '{tensor.Name}' dynamic_dims [{string.Join(",", dynamic)}] that are not distinct axes of shape {FormatDims(tensor)}");
            }
            if (!DataTypes.TryParse(tensor.DType, out _))
            {
                throw new WasmGraphException($"model metadata gives {kind} '{tensor.Name}' the unknown dtype '{tensor.DType}'");
            }
            var type = tensor.ToTensorType();
            try
            {
                _ = type.ByteSize;
            }
            catch (OverflowException)
            {
                throw new WasmGraphException($"model metadata gives {kind} '{tensor.Name}' a shape {FormatDims(tensor)} too large to address");
            }
            if (type.ByteSize != tensor.ByteSize)
            {
                throw new WasmGraphException(
                    $"model metadata says {kind} '{tensor.Name}' ({type}) has {tensor.ByteSize} bytes, but that type needs {type.ByteSize}");
            }
        }
    }

    private static string FormatDims(TensorInfo tensor) => "[" + string.Join(",", tensor.Shape) + "]";
}
