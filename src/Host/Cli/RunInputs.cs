using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.IO;

namespace WasmGraph.Host.Cli;

/// <summary>
/// Assembles a module's inputs from <c>--input</c> .npy files and <c>--image</c>, checking each against the module's
/// metadata, so a wrong dtype or shape is reported with the file name rather than as garbage output.
/// </summary>
public static class RunInputs
{
    /// <param name="warn">Told about inputs that were used with a caveat (an image that decoded only partly).</param>
    public static Dictionary<string, TensorData> Build(RunSettings settings, ModelMetadata metadata, Action<string>? warn = null)
    {
        var inputs = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        foreach (var spec in settings.Inputs)
        {
            var (name, file) = Split(spec, metadata);
            var info = metadata.Inputs.FirstOrDefault(i => i.Name == name)
                       ?? throw new WasmGraphException($"--input {spec}: the module has no input '{name}'; inputs: {Describe(metadata)}");
            var tensor = NpyFile.Read(file);
            // A dynamic input takes any shape in its range (the session checks it): only the dtype is declared here.
            var expected = info.IsDynamicInput ? new TensorType(info.ToTensorType().ElementType, tensor.Type.Shape) : info.ToTensorType();
            inputs[name] = NpyFile.AsDeclared(tensor, expected) ?? throw new WasmGraphException(
                $"{file}: holds {tensor.Type}, but input '{name}' is {expected}" + (expected.ElementType == DataType.BFloat16 ? " (give bfloat16 as uint16 bits)" : ""));
        }
        if (settings.Image is { } image)
        {
            var target = metadata.Inputs.FirstOrDefault(i => !inputs.ContainsKey(i.Name) && i.Shape.Length == 4 && i.DType is "float32" or "uint8")
                         ?? throw new WasmGraphException($"--image: no rank-4 float32/uint8 input left to feed; inputs: {Describe(metadata)}");
            inputs[target.Name] = ImageLoader.Load(image, target, Preprocessing(settings, metadata, target), warn);
        }
        var missing = metadata.Inputs.Where(i => !inputs.ContainsKey(i.Name)).ToList();
        if (missing.Count > 0)
        {
            throw new WasmGraphException(
                $"missing input(s): {string.Join(", ", missing.Select(m => $"{m.Name} ({m.DType}{m.DescribeShape()})"))}; " +
                "give them with --input NAME=FILE.npy or --image FILE");
        }
        return inputs;
    }

    /// <summary>
    /// Hints first, then flags on top. A hint its flag replaces is dropped before the hints are checked, so a bad hint
    /// in a module is an error (naming the module and the hint) only when it would be used; the flag is the way out.
    /// </summary>
    public static ImagePreprocessing Preprocessing(RunSettings settings, ModelMetadata metadata, TensorInfo input)
    {
        var overridden = new[] { (HintSchema.Layout, settings.Layout), (HintSchema.ChannelOrder, settings.ChannelOrder), (HintSchema.Scale, settings.Scale),
                                 (HintSchema.Mean, settings.Mean), (HintSchema.Std, settings.Std) }.Where(f => f.Item2 is not null).Select(f => f.Item1);
        var p = ImagePreprocessing.FromHints(metadata.Hints.RemoveRange(overridden), input.Shape, settings.Module + ": hint");
        if (settings.Layout is { } layout) { p = p with { Layout = ImagePreprocessing.ParseLayout(layout, "--layout") }; }
        if (settings.ChannelOrder is { } order) { p = p with { Order = ImagePreprocessing.ParseOrder(order, "--channel-order") }; }
        if (settings.Scale is { } scale) { p = p with { Scale = ImagePreprocessing.ParseScale(scale, "--scale") }; }
        if (settings.Mean is { } mean) { p = p with { Mean = ImagePreprocessing.ParseChannelValues(mean, "--mean", positive: false) }; }
        if (settings.Std is { } std) { p = p with { Std = ImagePreprocessing.ParseChannelValues(std, "--std", positive: true) }; }
        return p;
    }

    private static (string Name, string File) Split(string spec, ModelMetadata metadata)
    {
        int eq = spec.IndexOf('=');
        if (eq > 0)
        {
            return (spec[..eq], spec[(eq + 1)..]);
        }
        if (metadata.Inputs.Length == 1)
        {
            return (metadata.Inputs[0].Name, spec);
        }
        throw new WasmGraphException($"--input {spec}: the module has {metadata.Inputs.Length} inputs, so name one: NAME=FILE.npy ({Describe(metadata)})");
    }

    private static string Describe(ModelMetadata metadata)
        => metadata.Inputs.Length == 0 ? "none" : string.Join(", ", metadata.Inputs.Select(i => i.Name));
}
