using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Spectre.Console;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Host.Cli;
using WasmGraph.Host.IO;
using WasmGraph.Host.Pipeline;

namespace WasmGraph.Apps.Demo;

/// <summary>
/// Image similarity: the real ResNet18 featurizer (CNTK weights, its preprocessing model folded into the same module)
/// embeds every bundled photo plus a crop of the cat made here, and the cosine-similarity matrix shows which photos the
/// network finds alike. The crop must come out nearest to the photo it was cut from.
/// </summary>
public sealed class ImageSimilarityDemo : IDemoSection
{
    public const string SectionName = "image-similarity";

    /// <summary>The bundled photos, in the order of the matrix; the generated crop comes after them.</summary>
    public static readonly string[] BundledPhotos = ["chelsea.png", "coffee.png", "astronaut.png", "grace_hopper.jpg"];

    public const string CropName = "chelsea-crop.png";

    private readonly string? _extraPhoto;

    /// <param name="extraPhoto">A user's photo to add to the matrix (<c>demo --image</c>).</param>
    public ImageSimilarityDemo(string? extraPhoto = null) => _extraPhoto = extraPhoto;

    public string Name => SectionName;

    public string Title => "Image similarity: ResNet18 featurizer embeddings (512-d), cosine similarity";

    public string? Unavailable(DemoData data) => data.Missing("resnet18/ResNet18.onnx", "resnet18/ResNetPreprocess.onnx");

    /// <summary>The compile request: RGB in 0..255, NCHW; the preprocessing model does the BGR swap and mean subtraction.</summary>
    public static CompileRequest Request(DemoData data) => new(data.ResNet18, "resnet18.wasm")
    {
        PrependModelPath = data.ResNetPreprocess,
        Hints = ImmutableDictionary<string, string>.Empty
            .Add("layout", "NCHW").Add("channel_order", "RGB").Add("scale", "1").Add("mean", "0,0,0").Add("std", "1,1,1"),
    };

    /// <summary>The photos in matrix order: the bundled ones, the crop (written to <paramref name="outputDirectory"/>), the user's.</summary>
    public static List<string> Photos(DemoData data, string outputDirectory, string? extraPhoto)
    {
        var photos = BundledPhotos.Select(data.Image).ToList();
        photos.Add(DemoPhotos.Crop(data.Image("chelsea.png"), DemoPhotos.CatFace, Path.Combine(outputDirectory, CropName)));
        if (extraPhoto is not null)
        {
            photos.Add(extraPhoto);
        }
        return photos;
    }

    public void Run(DemoSession session, CancellationToken cancellation)
    {
        var model = session.Load("resnet18", Request(session.Data));
        var photos = Photos(session.Data, session.OutputDirectory, _extraPhoto);
        var input = model.Metadata.Inputs[0];
        var preprocessing = ImagePreprocessing.FromHints(model.Metadata.Hints, input.Shape);

        var wasmEmbeddings = new List<float[]>();
        var ortEmbeddings = new List<float[]>();
        for (int i = 0; i < photos.Count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var inputs = new Dictionary<string, TensorData> { [input.Name] = ImageLoader.Load(photos[i], input, preprocessing) };
            var (wasm, ort) = model.Run(inputs, timedRepeats: i == 0 ? session.Repeat : 0);
            var embedding = wasm[model.Metadata.Outputs[0].Name];
            var reference = model.ReferenceOutput(ort, 0);
            session.Parity.Check(Name, $"ResNet18 embedding of {Path.GetFileName(photos[i])}", embedding, reference);
            wasmEmbeddings.Add(embedding.ToFloatArray());
            ortEmbeddings.Add(reference.ToFloatArray());
        }

        var names = photos.Select(Path.GetFileName).Select(n => n!).ToList();
        var cosine = EmbeddingMath.CosineMatrix(wasmEmbeddings);
        session.Parity.Check(Name, "cosine-similarity matrix", cosine, EmbeddingMath.CosineMatrix(ortEmbeddings));
        var norms = wasmEmbeddings.Select(e => EmbeddingMath.Norm(e)).ToArray();
        session.Parity.Check(Name, "embedding L2 norms", norms, ortEmbeddings.Select(e => EmbeddingMath.Norm(e)).ToArray());
        var nearest = EmbeddingMath.NearestNeighbours(cosine, names.Count);

        Print(session.Out, names, norms, cosine, nearest);
        var report = session.Section(Name);
        report["photos"] = new JsonArray(names.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray());
        report["norms"] = ToJson(norms);
        report["cosine"] = ToJson(cosine);
        report["nearest"] = new JsonArray(nearest.Select(j => (JsonNode)JsonValue.Create(j < 0 ? "" : names[j])!).ToArray());
    }

    private static void Print(IAnsiConsole console, List<string> names, double[] norms, double[] cosine, int[] nearest)
    {
        int n = names.Count;
        var matrix = new Table().Border(TableBorder.Rounded).Title("cosine similarity of the embeddings (wasm)").AddColumn("");
        foreach (var name in names)
        {
            matrix.AddColumn(new TableColumn(Markup.Escape(Short(name))).RightAligned());
        }
        for (int i = 0; i < n; i++)
        {
            var cells = new List<string> { Markup.Escape(Short(names[i])) };
            for (int j = 0; j < n; j++)
            {
                var text = cosine[i * n + j].ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);
                cells.Add(i == j ? $"[grey]{text}[/]" : j == nearest[i] ? $"[bold green]{text}[/]" : text);
            }
            matrix.AddRow(cells.ToArray());
        }
        console.Write(matrix);

        var neighbours = new Table().Border(TableBorder.Rounded).Title("nearest neighbour of each photo")
            .AddColumns("photo", "L2 norm", "nearest", "cosine");
        for (int i = 0; i < n; i++)
        {
            var j = nearest[i];
            neighbours.AddRow(Markup.Escape(names[i]), Format.Number(norms[i]), j < 0 ? "-" : Markup.Escape(names[j]),
                              j < 0 ? "-" : cosine[i * n + j].ToString("0.000", System.Globalization.CultureInfo.InvariantCulture));
        }
        console.Write(neighbours);
    }

    private static string Short(string name) => Path.GetFileNameWithoutExtension(name);

    private static JsonArray ToJson(IEnumerable<double> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
