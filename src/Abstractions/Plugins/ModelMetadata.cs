using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Abstractions.Plugins;

/// <summary>
/// One model input or output as the module ABI describes it. A bounded output (docs/abi.md, "Bounded outputs") lists
/// its data-dependent axes in <see cref="DynamicDims"/>; its <see cref="Shape"/> and <see cref="ByteSize"/> are then
/// the upper bound.
/// </summary>
public sealed record TensorInfo(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("dtype")] string DType,
    [property: JsonPropertyName("shape")] ImmutableArray<long> Shape,
    [property: JsonPropertyName("bytes")] long ByteSize)
{
    /// <summary>The axes whose extent the module reports after each run (<c>wg_output_dims</c>); null for a static tensor.</summary>
    [JsonPropertyName("dynamic_dims")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ImmutableArray<int>? DynamicDims { get; init; }

    /// <summary>
    /// An input with a bounded dynamic dimension (docs/abi.md, "Bounded dynamic inputs"): its smallest shape, each
    /// axis of <see cref="DynamicDims"/> at the run-time extent's minimum; null for every other tensor.
    /// </summary>
    [JsonPropertyName("min_shape")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ImmutableArray<long>? MinShape { get; init; }

    [JsonIgnore]
    public bool IsBounded => DynamicDims is { IsDefaultOrEmpty: false };

    /// <summary>Whether the host may give this input any shape from <see cref="MinShape"/> to <see cref="Shape"/> (writing <c>wg_input_dims</c>).</summary>
    [JsonIgnore]
    public bool IsDynamicInput => IsBounded && MinShape is { IsDefault: false };

    /// <summary><c>[1,1..128]</c> for a dynamic input, <c>[1,≤6]</c> for a bounded output, <c>[1,3]</c> otherwise.</summary>
    public string DescribeShape()
        => "[" + string.Join(",", Shape.Select((d, i) => DynamicDims is { IsDefault: false } axes && axes.Contains(i)
                                                     ? MinShape is { IsDefault: false } min ? $"{min[i]}..{d}" : $"≤{d}"
                                                     : $"{d}")) + "]";

    public static TensorInfo From(string name, TensorType type) => new(name, type.ElementType.Name(), type.Shape.Dims, type.ByteSize)
    {
        DynamicDims = type.IsBounded ? type.Dynamic.Axes.ToImmutableArray() : null,
    };

    /// <summary>A graph input or output of <paramref name="graph"/>, with the axes that follow its run-time extent, if any.</summary>
    public static TensorInfo From(Graph graph, string name, bool isInput)
    {
        var type = graph.TypeOf(name);
        if (graph.Extent is not { } extent || !extent.Follows(name))
        {
            return From(name, type);
        }
        return new(name, type.ElementType.Name(), type.Shape.Dims, type.ByteSize)
        {
            DynamicDims = extent.AxesOf(name).Axes.ToImmutableArray(),
            MinShape = isInput ? extent.MinShape(name, type) : null,
        };
    }

    public TensorType ToTensorType()
        => DataTypes.TryParse(DType, out var dt)
            ? new TensorType(dt, new Shape(Shape)) { Dynamic = IsBounded ? Ir.DynamicDims.Of(DynamicDims!.Value.ToArray()) : Ir.DynamicDims.None }
            : throw new WasmGraphException($"tensor '{Name}' has unknown dtype '{DType}'");
}

/// <summary>The shared memory a threaded module imports, in 64 KiB pages (initial = maximum: its size is fixed).</summary>
public sealed record SharedMemoryInfo(
    [property: JsonPropertyName("initial_pages")] long InitialPages,
    [property: JsonPropertyName("maximum_pages")] long MaximumPages);

/// <summary>One compiled kernel (a node after fusion), for profiles and <c>inspect</c>.</summary>
public sealed record KernelInfo(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("op")] string Op,
    [property: JsonPropertyName("flops")] long Flops)
{
    /// <summary>
    /// Which of the backend's kernels computes this node where it has more than one (for llvm-wasm's convolutions:
    /// direct, winograd2, winograd4, winograd6, depthwise); null where there is no choice.
    /// </summary>
    [JsonPropertyName("algorithm")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Algorithm { get; init; }

    /// <summary>What decided <see cref="Algorithm"/>: "tuned" (a tuning log), "table" (the built-in measured table), "forced" (an option) or "default".</summary>
    [JsonPropertyName("chosen_by")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ChosenBy { get; init; }

    /// <summary>
    /// In a threaded module: 0 when the kernel runs on worker 0 alone (the others wait at the next barrier), else how
    /// many pieces its largest split loop divides into (W workers take at most ⌈split / W⌉ each); null in a
    /// single-threaded module.
    /// </summary>
    [JsonPropertyName("split")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Split { get; init; }
}

/// <summary>
/// The JSON carried in the module's <c>wasmgraph.meta</c> custom section (see docs/abi.md). Hosts read it to learn
/// input and output names, types and shapes without any other file.
/// </summary>
public sealed record ModelMetadata
{
    [JsonPropertyName("abi_version")] public int Abi { get; init; } = ModuleAbi.Version;
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("producer")] public string Producer { get; init; } = "";
    [JsonPropertyName("opset")] public long Opset { get; init; }
    [JsonPropertyName("inputs")] public ImmutableArray<TensorInfo> Inputs { get; init; } = ImmutableArray<TensorInfo>.Empty;
    [JsonPropertyName("outputs")] public ImmutableArray<TensorInfo> Outputs { get; init; } = ImmutableArray<TensorInfo>.Empty;
    /// <summary>The whole arena: peak activation memory, kernel scratch included.</summary>
    [JsonPropertyName("arena_bytes")] public long ArenaBytes { get; init; }

    /// <summary>
    /// The part of <see cref="ArenaBytes"/> that kernel scratch adds beyond the activations' plan: 0 when every scratch
    /// buffer fits in a gap; null in modules that predate the field.
    /// </summary>
    [JsonPropertyName("scratch_bytes")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ScratchBytes { get; init; }
    [JsonPropertyName("weight_bytes")] public long WeightBytes { get; init; }

    /// <summary>
    /// The target profile the module was compiled for (<see cref="TargetProfiles"/>: relaxed, simd128, mvp), or
    /// <see cref="TargetProfiles.CustomName"/> for features that are no profile's; null in modules that predate the field.
    /// </summary>
    [JsonPropertyName("target")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Target { get; init; }

    /// <summary>The backend's feature string the module was compiled with (<c>Pipeline:Backend:Features</c>); null in older modules.</summary>
    [JsonPropertyName("features")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Features { get; init; }

    /// <summary>
    /// A threaded module's compiled maximum worker count (<c>compile --threads</c>, docs/abi.md "Threaded modules"); null
    /// for the default single-threaded module.
    /// </summary>
    [JsonPropertyName("threads")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Threads { get; init; }

    /// <summary>The limits of the shared <c>env.memory</c> a threaded module imports; null for the default module.</summary>
    [JsonPropertyName("shared_memory")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SharedMemoryInfo? SharedMemory { get; init; }

    /// <summary>The kernels <c>wg_run</c> calls, in order, with their floating-point work.</summary>
    [JsonPropertyName("kernels")] public ImmutableArray<KernelInfo> Kernels { get; init; } = ImmutableArray<KernelInfo>.Empty;

    /// <summary>Optional preprocessing hints: layout, mean, std, scale, channel_order, labels.</summary>
    [JsonPropertyName("hints")]
    [JsonConverter(typeof(OrdinalHintsConverter))]
    public ImmutableDictionary<string, string> Hints { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>Graph inputs frozen to values at compile time (<c>compile --bind</c>); they are not inputs of the module.</summary>
    [JsonPropertyName("bound")] public ImmutableArray<BoundInput> Bound { get; init; } = ImmutableArray<BoundInput>.Empty;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>
    /// Parses and checks metadata JSON (<see cref="ModuleMetadataReader.Validate"/>): anything malformed, missing or
    /// inconsistent is a <see cref="WasmGraphException"/> naming the field, never another exception.
    /// </summary>
    public static ModelMetadata FromJson(string json)
    {
        ModelMetadata? metadata;
        try
        {
            metadata = JsonSerializer.Deserialize<ModelMetadata>(json, Json);
        }
        catch (JsonException e)
        {
            throw new WasmGraphException($"model metadata is not valid JSON: {e.Message}", e);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or FormatException or OverflowException)
        {
            // Well-formed JSON the model cannot take: a repeated hint key (ArgumentException from the immutable
            // dictionary), a value of the wrong kind in a collection, and the like.
            throw new WasmGraphException($"model metadata does not have the expected form: {e.Message}", e);
        }
        if (metadata is null)
        {
            throw new WasmGraphException("model metadata is empty (null)");
        }
        ModuleMetadataReader.Validate(metadata);
        return metadata;
    }

    /// <summary>Builds the metadata for a graph: its inputs, outputs and the metadata keys the frontend recorded.</summary>
    public static ModelMetadata For(Graph graph) => new()
    {
        Name = graph.Name,
        Producer = graph.ProducerOf(),
        Opset = graph.OpsetOf(),
        Inputs = graph.Inputs.Select(i => TensorInfo.From(graph, i, isInput: true)).ToImmutableArray(),
        Outputs = graph.Outputs.Select(o => TensorInfo.From(graph, o, isInput: false)).ToImmutableArray(),
        WeightBytes = graph.ConstantBytes,
        Hints = graph.HintsOf(),
        Bound = graph.BoundInputsOf(),
    };
}

/// <summary>
/// Writes hints in ordinal key order: an <see cref="ImmutableDictionary{TKey,TValue}"/> enumerates in string-hash order,
/// which .NET randomises per process, and the metadata is part of the module's bytes, which must not depend on the run.
/// Reading is the default (a repeated key is still refused by <see cref="ModelMetadata.FromJson"/>).
/// </summary>
internal sealed class OrdinalHintsConverter : JsonConverter<ImmutableDictionary<string, string>>
{
    public override ImmutableDictionary<string, string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => JsonSerializer.Deserialize<ImmutableDictionary<string, string>>(ref reader, options);

    public override void Write(Utf8JsonWriter writer, ImmutableDictionary<string, string> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (key, text) in value.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            writer.WriteString(key, text);
        }
        writer.WriteEndObject();
    }
}
