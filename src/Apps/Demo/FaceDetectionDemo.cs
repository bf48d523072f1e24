using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.IO;
using WasmGraph.Host.Pipeline;

namespace WasmGraph.Apps.Demo;

/// <summary>
/// Face detection: MediaPipe's BlazeFace (front, 128×128) runs in wasm on the bundled portraits; anchor decoding and
/// weighted NMS (<see cref="BlazeFace"/>) run here in C#. Prints each face's box, score and keypoints and writes the
/// photos annotated. The same post-processing applied to ONNX Runtime's outputs must give the same faces.
/// </summary>
public sealed class FaceDetectionDemo : IDemoSection
{
    public const string SectionName = "face-detection";

    public static readonly string[] Photos = ["astronaut.png", "grace_hopper.jpg"];

    public string Name => SectionName;

    public string Title => "Face detection: BlazeFace (MediaPipe, front 128×128), anchors and NMS in C#";

    public string? Unavailable(DemoData data)
        => data.BlazeFace is null ? $"BlazeFace (face_detection_front*.onnx) not found under {Path.GetFullPath(data.Directory)} (./wasmgraph fetch)" : null;

    /// <summary>NHWC RGB input scaled to −1..1, as MediaPipe feeds the detector.</summary>
    public static CompileRequest Request(string model) => new(model, "blazeface.wasm")
    {
        Hints = ImmutableDictionary<string, string>.Empty
            .Add("layout", "NHWC").Add("channel_order", "RGB").Add("scale", "1/127.5").Add("mean", "1,1,1").Add("std", "1,1,1"),
    };

    /// <summary>The detector's input for a photo: letterboxed to 128×128 and normalised by the module's hints.</summary>
    public static (TensorData Input, Letterbox Box) Input(string photo, TensorInfo input, IReadOnlyDictionary<string, string> hints)
    {
        var (rgba, box) = FaceImages.LetterboxedRgba(photo, BlazeFace.InputSize);
        var tensor = ImageLoader.ToTensor(rgba, input, 1, 3, BlazeFace.InputSize, BlazeFace.InputSize, ImagePreprocessing.FromHints(hints, input.Shape));
        return (tensor, box);
    }

    /// <summary>
    /// Scores and regressors of all 896 anchors from the model's four outputs, told apart by shape: [1,n,1] are scores,
    /// [1,n,16] regressors; the 16×16-grid head (512 anchors) comes before the 8×8 one (384).
    /// </summary>
    public static (float[] Scores, float[] Boxes) Gather(IReadOnlyList<TensorData> outputs)
    {
        var scores = outputs.Where(o => o.Type.Shape.Dims[^1] == 1).OrderByDescending(o => o.Type.ElementCount).SelectMany(o => o.ToFloatArray());
        var boxes = outputs.Where(o => o.Type.Shape.Dims[^1] == 16).OrderByDescending(o => o.Type.ElementCount).SelectMany(o => o.ToFloatArray());
        return (scores.ToArray(), boxes.ToArray());
    }

    /// <summary>Raw outputs → faces in photo pixels, strongest first.</summary>
    public static List<FaceDetection> Detect(IReadOnlyList<TensorData> outputs, Letterbox box)
    {
        var (scores, boxes) = Gather(outputs);
        return BlazeFace.WeightedNonMaxSuppression(BlazeFace.Decode(scores, boxes)).Select(d => BlazeFace.ToPixels(d, box)).ToList();
    }

    public void Run(DemoSession session, CancellationToken cancellation)
    {
        var model = session.Load("blazeface", Request(session.Data.BlazeFace!));
        var report = new JsonObject();
        var table = new Table().Border(TableBorder.Rounded).Title("faces found (pixels of the original photo)")
            .AddColumns("photo", "#", "score", "box x0,y0 – x1,y1", "size", "eyes (right, left)", "nose", "mouth");
        for (int p = 0; p < Photos.Length; p++)
        {
            cancellation.ThrowIfCancellationRequested();
            var photo = session.Data.Image(Photos[p]);
            var info = model.Metadata.Inputs[0];
            var (input, box) = Input(photo, info, model.Metadata.Hints);
            var (wasm, ort) = model.Run(new Dictionary<string, TensorData> { [info.Name] = input }, timedRepeats: p == 0 ? session.Repeat : 0);
            var wasmOutputs = model.Metadata.Outputs.Select(o => wasm[o.Name]).ToList();
            var ortOutputs = model.Metadata.Outputs.Select((_, i) => model.ReferenceOutput(ort, i)).ToList();
            for (int i = 0; i < wasmOutputs.Count; i++)
            {
                session.Parity.Check(Name, $"BlazeFace {model.Metadata.Outputs[i].Name} on {Photos[p]}", wasmOutputs[i], ortOutputs[i]);
            }
            var faces = Detect(wasmOutputs, box);
            var expected = Detect(ortOutputs, box);
            session.Parity.Check(Name, $"faces in {Photos[p]} (score, box, keypoints)",
                                 faces.SelectMany(f => f.Numbers()).ToList(), expected.SelectMany(f => f.Numbers()).ToList());

            var annotated = Path.Combine(session.OutputDirectory, Path.GetFileNameWithoutExtension(Photos[p]) + "-faces.png");
            FaceImages.Annotate(photo, faces, annotated);
            AddRows(table, Photos[p], faces);
            report[Photos[p]] = new JsonObject
            {
                ["faces"] = new JsonArray(faces.Select(f => (JsonNode)new JsonArray(f.Numbers().Select(v => (JsonNode)JsonValue.Create(v)).ToArray())).ToArray()),
                ["annotated"] = Path.GetFullPath(annotated),
            };
        }
        session.Out.Write(table);
        session.Out.MarkupLine($"annotated photos: [blue]{Markup.Escape(Path.GetFullPath(session.OutputDirectory))}[/]/*-faces.png");
        session.Section(Name)["photos"] = report;
    }

    private static void AddRows(Table table, string photo, List<FaceDetection> faces)
    {
        if (faces.Count == 0)
        {
            table.AddRow(Markup.Escape(photo), "-", "-", "no face above the score threshold", "", "", "", "");
        }
        for (int i = 0; i < faces.Count; i++)
        {
            var f = faces[i];
            var k = f.Keypoints;
            table.AddRow(Markup.Escape(photo), $"{i + 1}", N(f.Score, "0.000"), $"{N(f.XMin)},{N(f.YMin)} – {N(f.XMax)},{N(f.YMax)}",
                         $"{N(f.Width)}×{N(f.Height)}", $"({N(k[0])},{N(k[1])}) ({N(k[2])},{N(k[3])})", $"({N(k[4])},{N(k[5])})", $"({N(k[6])},{N(k[7])})");
        }
    }

    private static string N(float v, string format = "0.0") => v.ToString(format, CultureInfo.InvariantCulture);
}
