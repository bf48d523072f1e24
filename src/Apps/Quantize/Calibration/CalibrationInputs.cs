using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Apps.Demo;
using WasmGraph.Host.IO;

namespace WasmGraph.Apps.Quantize.Calibration;

/// <summary>One calibration input: where it came from (for messages and the progress line) and the model inputs it gives.</summary>
public sealed record CalibrationSample(string Source, IReadOnlyDictionary<string, TensorData> Inputs);

/// <summary>A model input as the ONNX file declares it; null dimensions are symbolic (any extent).</summary>
public sealed record DeclaredInput(string Name, DataType Type, long?[] Dims)
{
    public string Describe() => $"{Type.Name()}[{string.Join(",", Dims.Select(d => d?.ToString() ?? "?"))}]";
}

/// <summary>
/// The <c>--calibrate</c> arguments turned into samples, lazily (a folder of photos is decoded one at a time):
/// <list type="bullet">
/// <item>an image file (.png .jpg .jpeg .webp .bmp .gif), decoded and preprocessed exactly as <c>run --image</c> does
/// (<see cref="ImageLoader"/> with <see cref="ImagePreprocessing"/> from the <c>--hint</c>s, the same hints that
/// <c>compile --hint</c> stores for <c>run</c>), into the one rank-4 float32/uint8 input;</item>
/// <item>a .npy tensor for a one-input model, checked against the input's declared type and shape;</item>
/// <item>a .txt file of sentences, one a line, tokenized as the sentence-similarity demo does (Microsoft.ML.Tokenizers'
/// BERT tokenizer with the model's vocab.txt) into input_ids, attention_mask and token_type_ids, one sentence a sample;</item>
/// <item>a folder: its files of those kinds, in name order (other files are skipped).</item>
/// </list>
/// Every file goes through <see cref="InputFile"/>'s limits; at most <see cref="MaxSamples"/> samples in all.
/// </summary>
public sealed class CalibrationInputs
{
    /// <summary>Calibration converges within a few hundred samples (ONNX Runtime's examples use 100–500); 10,000 bounds the time a folder can cost.</summary>
    public const int MaxSamples = 10_000;

    /// <summary>BERT-style models have 512 positions; a longer sentence is refused rather than cut.</summary>
    public const int MaxTokens = 512;

    /// <summary>A sentences file: 16 MiB is far more text than calibration needs.</summary>
    public const long TextMaxBytes = 16L << 20;

    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif"];

    private readonly List<(string Path, string Kind)> _files = new();
    private readonly DeclaredInput[] _inputs;
    private readonly IReadOnlyDictionary<string, string> _hints;
    private readonly string? _vocab;
    private readonly string _model;

    /// <param name="inputs">The inputs of the first model the samples feed (the <c>--prepend</c> model when there is one).</param>
    /// <param name="vocab">vocab.txt for sentences (null: none given; sentences are then refused).</param>
    public CalibrationInputs(IEnumerable<string> specs, DeclaredInput[] inputs, IReadOnlyDictionary<string, string> hints, string? vocab, string model)
    {
        _inputs = inputs;
        _hints = hints;
        _vocab = vocab;
        _model = model;
        foreach (var spec in specs)
        {
            if (Directory.Exists(spec))
            {
                var files = Directory.EnumerateFiles(spec).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal)
                                     .Select(f => (Path: f, Kind: Kind(f))).Where(f => f.Kind != "").ToList();
                if (files.Count == 0)
                {
                    throw new WasmGraphException($"--calibrate {spec}: the folder holds no image, .npy or .txt file");
                }
                _files.AddRange(files);
            }
            else
            {
                InputFile.Require(spec, "--calibrate", InputFile.NpyMaxBytes + NpyFile.MaxHeaderBytes + 12);
                var kind = Kind(spec);
                _files.Add((spec, kind != "" ? kind
                    : throw new WasmGraphException($"--calibrate {spec}: not an image ({string.Join(" ", ImageExtensions)}), .npy or .txt file, nor a folder")));
            }
            if (_files.Count > MaxSamples)
            {
                throw new WasmGraphException($"--calibrate: {_files.Count:N0} files, more than the limit of {MaxSamples:N0} samples");
            }
        }
        if (_files.Count == 0)
        {
            throw new WasmGraphException("--calibrate: give at least one folder, image, .npy or .txt file");
        }
        if (_files.Any(f => f.Kind == "image"))
        {
            ImageInput(); // fail now, not after minutes, when the model has no input a photo can feed
        }
        if (_files.Any(f => f.Kind == "npy") && _inputs.Length != 1)
        {
            throw new WasmGraphException($"--calibrate: a .npy file feeds a one-input model; {_model} has {_inputs.Length} inputs ({string.Join(", ", _inputs.Select(i => i.Name))})");
        }
        if (_files.Any(f => f.Kind == "text"))
        {
            TextInputs();
        }
    }

    /// <summary>How many samples there are: one per image or .npy file, one per non-empty line of a text file.</summary>
    public int Count => _files.Sum(f => f.Kind == "text" ? InputFile.ReadAllLines(f.Path, "--calibrate", TextMaxBytes).Count(l => !string.IsNullOrWhiteSpace(l)) : 1);

    private static string Kind(string path)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        return ext == ".npy" ? "npy" : ext == ".txt" ? "text" : ImageExtensions.Contains(ext) ? "image" : "";
    }

    public IEnumerable<CalibrationSample> Samples()
    {
        int count = 0;
        foreach (var (path, kind) in _files)
        {
            IEnumerable<CalibrationSample> samples = kind switch
            {
                "image" => [Image(path)],
                "npy" => [Npy(path)],
                _ => Sentences(path),
            };
            foreach (var sample in samples)
            {
                if (++count > MaxSamples)
                {
                    throw new WasmGraphException($"--calibrate: more than the limit of {MaxSamples:N0} samples (sentences count one each)");
                }
                yield return sample;
            }
        }
    }

    private DeclaredInput ImageInput()
    {
        var input = _inputs.FirstOrDefault(i => i.Dims.Length == 4 && i.Type is DataType.Float32 or DataType.UInt8)
                    ?? throw new WasmGraphException($"--calibrate: images need a rank-4 float32 or uint8 input; {_model} has {Describe()}");
        if (input.Dims.Skip(1).Any(d => d is null))
        {
            throw new WasmGraphException($"--calibrate: input '{input.Name}' is {input.Describe()}; images need its height, width and channels fixed in the model");
        }
        if (_inputs.Length != 1)
        {
            throw new WasmGraphException($"--calibrate: images feed a one-input model; {_model} has {Describe()}");
        }
        return input;
    }

    private CalibrationSample Image(string path)
    {
        var declared = ImageInput();
        long[] dims = declared.Dims.Select(d => d ?? 1).ToArray();
        var info = new TensorInfo(declared.Name, declared.Type.Name(), [.. dims], new TensorType(declared.Type, new Shape(dims)).ByteSize);
        var preprocessing = ImagePreprocessing.FromHints(_hints, dims, "--hint");
        return new CalibrationSample(path, new Dictionary<string, TensorData> { [declared.Name] = ImageLoader.Load(path, info, preprocessing) });
    }

    private CalibrationSample Npy(string path)
    {
        var input = _inputs[0];
        var tensor = NpyFile.Read(path);
        var dims = tensor.Type.Shape.Dims;
        if (tensor.Type.ElementType != input.Type || dims.Length != input.Dims.Length || dims.Where((d, i) => input.Dims[i] is { } fixedDim && fixedDim != d).Any())
        {
            throw new WasmGraphException($"{path}: holds {tensor.Type}, but input '{input.Name}' of {_model} is {input.Describe()}");
        }
        return new CalibrationSample(path, new Dictionary<string, TensorData> { [input.Name] = tensor });
    }

    private string[] TextInputs()
    {
        string[] names = ["input_ids", "attention_mask", "token_type_ids"];
        var unknown = _inputs.Where(i => !names.Contains(i.Name) || i.Type != DataType.Int64 || i.Dims.Length != 2).ToList();
        if (unknown.Count > 0 || !_inputs.Any(i => i.Name == "input_ids"))
        {
            throw new WasmGraphException($"--calibrate: sentences feed a BERT-style model (int64 input_ids, attention_mask, token_type_ids of [batch, sequence]); {_model} has {Describe()}");
        }
        if (_vocab is null)
        {
            throw new WasmGraphException($"--calibrate: sentences need the model's vocab.txt: give --vocab FILE (default: vocab.txt beside {_model}, not found)");
        }
        InputFile.Require(_vocab, "--vocab", TextMaxBytes);
        return names;
    }

    private IEnumerable<CalibrationSample> Sentences(string path)
    {
        var lines = InputFile.ReadAllLines(path, "--calibrate", TextMaxBytes);
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }
            var (ids, mask, types, sequence) = SentenceSimilarityDemo.Tokenize(_vocab!, [lines[i]]);
            if (sequence > MaxTokens)
            {
                throw new WasmGraphException($"{path}:{i + 1}: {sequence} tokens, more than the {MaxTokens} a BERT-style model takes");
            }
            var shape = new Shape(1, sequence);
            var all = new Dictionary<string, TensorData>
            {
                ["input_ids"] = TensorData.FromInt64s(shape, ids),
                ["attention_mask"] = TensorData.FromInt64s(shape, mask),
                ["token_type_ids"] = TensorData.FromInt64s(shape, types),
            };
            yield return new CalibrationSample($"{path}:{i + 1}", _inputs.ToDictionary(d => d.Name, d => all[d.Name], StringComparer.Ordinal));
        }
    }

    private string Describe() => _inputs.Length == 0 ? "no inputs" : string.Join(", ", _inputs.Select(i => $"{i.Name} {i.Describe()}"));
}
