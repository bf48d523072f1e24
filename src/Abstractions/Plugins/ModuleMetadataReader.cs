using System.Collections.Immutable;
using System.Text;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Abstractions.Plugins;

/// <summary>
/// The one place a module's <c>wasmgraph.meta</c> section becomes metadata the host and the runtime may trust. A module
/// is untrusted input (anyone can hand-make one), and every host buffer is sized from this metadata, so every field is
/// checked here, before any byte count in it is used: types, nulls, names, dtypes, shapes and their byte sizes, and the
/// sizes against the module's own memory and the caller's memory limit. Every failure is a
/// <see cref="WasmGraphException"/> that names the field (exit 2 at the command line).
/// </summary>
public static class ModuleMetadataReader
{
    /// <summary>Metadata JSON larger than this is refused before it is decoded (a real model's is a few KiB to 1 MiB).</summary>
    public const int MaxSectionBytes = 16 * 1024 * 1024;

    /// <summary>Tensor names longer than this are refused: outputs become file names (name.npy), which Linux caps at 255 bytes.</summary>
    public const int MaxTensorNameLength = 200;

    /// <summary>The model name, producer, kernel names and ops, hint keys and values.</summary>
    public const int MaxStringLength = 1024;

    /// <summary>The same rank limit the ONNX frontend applies.</summary>
    public const int MaxRank = 16;

    /// <summary>A tensor is copied through a .NET byte array, which holds at most 2^31 - 1 bytes.</summary>
    public const long MaxTensorBytes = int.MaxValue;

    /// <summary>The most a 32-bit linear memory can hold: 65536 pages of 64 KiB.</summary>
    public const long Wasm32MemoryBytes = 1L << 32;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The memory every declared tensor of <paramref name="module"/> must fit in: its initial memory. A module without
    /// a memory section leaves the placement of its tensors to its runtime (a plugin's own artifact; the Wasmtime
    /// runtime refuses it), so its tensors are bounded by the most a wasm32 memory holds, or the limit when smaller.
    /// </summary>
    public static long MemoryBound(WasmModuleInfo module, long? maxMemoryBytes)
        => module.DefinesMemory ? module.InitialMemoryBytes : Math.Min(Wasm32MemoryBytes, maxMemoryBytes ?? Wasm32MemoryBytes);

    /// <summary>
    /// The metadata of a module that is about to run: <see cref="Read(WasmModuleInfo)"/>, and every tensor it declares
    /// fits in the module's initial memory, which must itself fit in <paramref name="maxMemoryBytes"/> when given
    /// (<see cref="CheckFits"/>). Hosts size their input and output buffers from what this returns.
    /// </summary>
    public static ModelMetadata ReadForRun(WasmModuleInfo module, long? maxMemoryBytes)
    {
        var metadata = Read(module);
        CheckFits(metadata, MemoryBound(module, maxMemoryBytes), maxMemoryBytes);
        return metadata;
    }

    /// <summary>
    /// Reads and checks the metadata of <paramref name="module"/>: well-formed and consistent. Enough for showing it
    /// (<c>inspect</c>, which allocates nothing from it); a host that will run the module uses <see cref="ReadForRun"/>.
    /// </summary>
    public static ModelMetadata Read(WasmModuleInfo module)
    {
        var section = module.FindCustomSection(ModuleAbi.MetadataSection)
            ?? throw new WasmGraphException(
                $"module has no '{ModuleAbi.MetadataSection}' custom section, so its inputs and outputs are unknown; " +
                "it was not built by WasmGraph or the section was stripped");
        if (section.Length > MaxSectionBytes)
        {
            throw new WasmGraphException($"the '{ModuleAbi.MetadataSection}' section is {section.Length} bytes, over the limit of {MaxSectionBytes}");
        }
        string json;
        try
        {
            json = StrictUtf8.GetString(section.Span);
        }
        catch (DecoderFallbackException)
        {
            throw new WasmGraphException($"the '{ModuleAbi.MetadataSection}' section is not valid UTF-8");
        }
        return ModelMetadata.FromJson(json);
    }

    /// <summary>Throws unless every field of <paramref name="metadata"/> is present, in range and consistent.</summary>
    public static void Validate(ModelMetadata metadata)
    {
        if (metadata.Abi != ModuleAbi.Version)
        {
            throw new WasmGraphException(
                $"module was built for WasmGraph ABI version {metadata.Abi}; this runtime supports version {ModuleAbi.Version}");
        }
        CheckString("name", metadata.Name, MaxStringLength);
        CheckString("producer", metadata.Producer, MaxStringLength);
        CheckRange("opset", metadata.Opset, 0, int.MaxValue);
        CheckRange("arena_bytes", metadata.ArenaBytes, 0, WasmBinaryReader.MaxMemory32Bytes);
        CheckRange("weight_bytes", metadata.WeightBytes, 0, WasmBinaryReader.MaxMemory32Bytes);
        if (metadata.ScratchBytes is long scratch)
        {
            CheckRange("scratch_bytes", scratch, 0, metadata.ArenaBytes);
        }
        if (metadata.Target is not null && metadata.Target != TargetProfiles.CustomName && TargetProfiles.All.All(p => p.Name != metadata.Target))
        {
            throw new WasmGraphException($"model metadata: 'target' is '{Shorten(metadata.Target)}', expected one of " +
                                         $"{string.Join(", ", TargetProfiles.All.Select(p => p.Name))} or {TargetProfiles.CustomName}");
        }
        CheckString("features", metadata.Features ?? "", MaxStringLength);
        CheckTensors("input", metadata.Inputs);
        CheckTensors("output", metadata.Outputs);
        if (metadata.Outputs.IsEmpty)
        {
            throw new WasmGraphException("model metadata declares no outputs");
        }
        CheckKernels(metadata.Kernels);
        CheckHints(metadata.Hints);
        CheckBound(metadata.Bound);
    }

    /// <summary>The record of inputs frozen at compile time: shown by <c>inspect</c>, never used to allocate.</summary>
    private static void CheckBound(ImmutableArray<BoundInput> bound)
    {
        if (bound.IsDefault)
        {
            throw new WasmGraphException("model metadata: 'bound' is null");
        }
        for (int i = 0; i < bound.Length; i++)
        {
            var entry = bound[i] ?? throw new WasmGraphException($"model metadata: bound input {i} is null");
            CheckString($"bound[{i}].name", entry.Name, MaxTensorNameLength);
            if (entry.DType is null || !DataTypes.TryParse(entry.DType, out _))
            {
                throw new WasmGraphException($"model metadata gives bound input {i} the unknown dtype '{Shorten(entry.DType)}'");
            }
            if (entry.Shape.IsDefault || entry.Shape.Length > MaxRank || entry.Shape.Any(d => d < 0))
            {
                throw new WasmGraphException($"model metadata gives bound input '{entry.Name}' a shape that is missing, negative or of rank over {MaxRank}");
            }
            if (entry.Sha256 is null || entry.Sha256.Length != 64 || !entry.Sha256.All(Uri.IsHexDigit))
            {
                throw new WasmGraphException($"model metadata gives bound input '{entry.Name}' a sha256 that is not 64 hex digits");
            }
        }
    }

    /// <summary>
    /// The sizes a host will allocate from, against what the module can really hold: the ABI places every input and
    /// every output in linear memory when the instance starts, disjoint from each other (all inputs are live for the
    /// whole run, all outputs at its end), so each group's total cannot exceed the initial memory, which in turn must
    /// fit the caller's limit. Checked before any input is built or any output buffer allocated.
    /// </summary>
    public static void CheckFits(ModelMetadata metadata, long initialMemoryBytes, long? maxMemoryBytes)
    {
        if (maxMemoryBytes is long limit && initialMemoryBytes > limit)
        {
            throw new WasmGraphException($"the model needs {initialMemoryBytes} bytes of memory at start, over the memory limit of {limit} bytes");
        }
        foreach (var (kind, tensors) in new[] { ("input", metadata.Inputs), ("output", metadata.Outputs) })
        {
            long total = 0;
            foreach (var tensor in tensors)
            {
                total += tensor.ByteSize; // each is at most 2^31, and there are fewer than 2^31 of them
                if (total > initialMemoryBytes)
                {
                    throw new WasmGraphException(tensors.Length == 1 || tensor.ByteSize > initialMemoryBytes
                        ? $"model metadata declares {kind} '{tensor.Name}' of {tensor.ByteSize} bytes, more than the module's memory of {initialMemoryBytes} bytes"
                        : $"model metadata declares {kind}s of {total}+ bytes in all (at '{tensor.Name}'), more than the module's memory of {initialMemoryBytes} bytes");
                }
            }
        }
    }

    private static void CheckTensors(string kind, ImmutableArray<TensorInfo> tensors)
    {
        if (tensors.IsDefault)
        {
            throw new WasmGraphException($"model metadata has no {kind} list ('{kind}s' is missing or null)");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < tensors.Length; i++)
        {
            var tensor = tensors[i] ?? throw new WasmGraphException($"model metadata: {kind} {i} is null");
            if (string.IsNullOrEmpty(tensor.Name))
            {
                throw new WasmGraphException($"model metadata: {kind} {i} has no name");
            }
            if (tensor.Name.Length > MaxTensorNameLength)
            {
                throw new WasmGraphException(
                    $"model metadata: the name of {kind} {i} ('{tensor.Name[..40]}…') is {tensor.Name.Length} characters, over the limit of {MaxTensorNameLength}");
            }
            string what = $"{kind} '{tensor.Name}'";
            if (!seen.Add(tensor.Name))
            {
                throw new WasmGraphException($"model metadata declares {what} twice");
            }
            if (tensor.DType is null || !DataTypes.TryParse(tensor.DType, out var dtype))
            {
                throw new WasmGraphException($"model metadata gives {what} the unknown dtype '{Shorten(tensor.DType)}'");
            }
            if (tensor.Shape.IsDefault)
            {
                throw new WasmGraphException($"model metadata gives {what} no shape");
            }
            if (tensor.Shape.Length > MaxRank)
            {
                throw new WasmGraphException($"model metadata gives {what} rank {tensor.Shape.Length}, over the limit of {MaxRank}");
            }
            if (tensor.Shape.Any(d => d < 0))
            {
                throw new WasmGraphException($"model metadata gives {what} a negative dimension in shape {FormatDims(tensor)}");
            }
            if (tensor.DynamicDims is { } dynamic
                && (dynamic.IsDefault || dynamic.Any(d => d < 0 || d >= tensor.Shape.Length) || dynamic.Distinct().Count() != dynamic.Length))
            {
                throw new WasmGraphException(
                    $"model metadata gives {what} dynamic_dims [{(dynamic.IsDefault ? "null" : string.Join(",", dynamic))}] that are not distinct axes of shape {FormatDims(tensor)}");
            }
            if (tensor.MinShape is { } min
                && (min.IsDefault || !tensor.IsBounded || min.Length != tensor.Shape.Length
                    || min.Select((d, i) => tensor.DynamicDims!.Value.Contains(i) ? d < 1 || d > tensor.Shape[i] : d != tensor.Shape[i]).Any(bad => bad)))
            {
                throw new WasmGraphException(
                    $"model metadata gives {what} min_shape [{(min.IsDefault ? "null" : string.Join(",", min))}], which is not its shape {FormatDims(tensor)} with each dynamic axis between 1 and its bound");
            }
            long needed = BytesOf(dtype, tensor.Shape)
                ?? throw new WasmGraphException($"model metadata gives {what} a shape {FormatDims(tensor)} too large to address");
            if (needed != tensor.ByteSize)
            {
                throw new WasmGraphException(
                    $"model metadata says {what} ({dtype.Name()}{FormatDims(tensor)}) has {tensor.ByteSize} bytes, but that type needs {needed}");
            }
            if (needed > MaxTensorBytes)
            {
                throw new WasmGraphException($"model metadata declares {what} of {needed} bytes; tensors over 2 GiB are not supported");
            }
        }
    }

    /// <summary>dtype × shape in bytes, or null when the product passes 2^62 (no wasm32 module can hold it anyway).</summary>
    private static long? BytesOf(DataType dtype, ImmutableArray<long> shape)
    {
        const long Limit = 1L << 62;
        long bytes = dtype.SizeOf();
        foreach (long d in shape)
        {
            if (d != 0 && bytes > Limit / d)
            {
                return shape.Contains(0) ? 0 : null;
            }
            bytes *= d;
        }
        return bytes;
    }

    private static void CheckKernels(ImmutableArray<KernelInfo> kernels)
    {
        if (kernels.IsDefault)
        {
            throw new WasmGraphException("model metadata: 'kernels' is null");
        }
        for (int i = 0; i < kernels.Length; i++)
        {
            var kernel = kernels[i] ?? throw new WasmGraphException($"model metadata: kernel {i} is null");
            CheckString($"kernels[{i}].name", kernel.Name, MaxStringLength);
            CheckString($"kernels[{i}].op", kernel.Op, MaxStringLength);
            CheckRange($"kernels[{i}].flops", kernel.Flops, 0, long.MaxValue);
            if (kernel.Split is long split)
            {
                CheckRange($"kernels[{i}].split", split, 0, long.MaxValue);
            }
            if (kernel.Algorithm is not null)
            {
                CheckString($"kernels[{i}].algorithm", kernel.Algorithm, MaxStringLength);
            }
            if (kernel.ChosenBy is not null)
            {
                CheckString($"kernels[{i}].chosen_by", kernel.ChosenBy, MaxStringLength);
            }
        }
    }

    /// <summary>Only the shape of the hints is checked here; what each hint may say is the host's schema (it applies them).</summary>
    private static void CheckHints(ImmutableDictionary<string, string> hints)
    {
        if (hints is null)
        {
            throw new WasmGraphException("model metadata: 'hints' is null");
        }
        foreach (var (key, value) in hints)
        {
            CheckString("a hint name", key, MaxStringLength);
            CheckString($"hint '{Shorten(key)}'", value, MaxStringLength);
        }
    }

    private static void CheckString(string field, string? value, int maxLength)
    {
        if (value is null)
        {
            throw new WasmGraphException($"model metadata: {field} is null");
        }
        if (value.Length > maxLength)
        {
            throw new WasmGraphException($"model metadata: {field} is {value.Length} characters long, over the limit of {maxLength}");
        }
    }

    private static void CheckRange(string field, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            throw new WasmGraphException($"model metadata: {field} is {value}; expected {min} to {max}");
        }
    }

    private static string Shorten(string? text) => text is null ? "null" : text.Length <= 40 ? text : text[..40] + "…";

    private static string FormatDims(TensorInfo tensor) => "[" + string.Join(",", tensor.Shape) + "]";
}
