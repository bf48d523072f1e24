namespace WasmGraph.Apps.Demo;

/// <summary>A detected face in input-image pixels: the box, the detector's confidence, and six keypoints.</summary>
/// <param name="Keypoints">Right eye, left eye, nose tip, mouth centre, right ear tragion, left ear tragion (x, y pairs).</param>
public sealed record FaceDetection(float Score, float XMin, float YMin, float XMax, float YMax, float[] Keypoints)
{
    public float Width => XMax - XMin;
    public float Height => YMax - YMin;

    /// <summary>The numbers the demo prints, flattened for comparison with ONNX Runtime: score, box, keypoints.</summary>
    public IEnumerable<double> Numbers() => new[] { Score, XMin, YMin, XMax, YMax }.Concat(Keypoints).Select(v => (double)v);
}

/// <summary>
/// BlazeFace's post-processing, which MediaPipe runs outside the network: SSD-style anchors for the front 128×128
/// model, box and keypoint decoding, sigmoid scores, and weighted non-maximum suppression. The constants are those of
/// MediaPipe's face_detection_front graph (SsdAnchorsCalculator, TensorsToDetectionsCalculator, NonMaxSuppression).
/// </summary>
public static class BlazeFace
{
    public const int InputSize = 128;
    public const float ScoreThreshold = 0.75f;
    public const float IouThreshold = 0.3f;
    private const float ScoreClip = 100f;

    /// <summary>Anchor layers: (stride, anchors per cell). 16×16×2 + 8×8×6 = 896 anchors, in the order the outputs use.</summary>
    private static readonly (int Stride, int PerCell)[] Layers = [(8, 2), (16, 6)];

    /// <summary>Anchor centres (x, y) in 0..1; every anchor has size 1 (fixed_anchor_size), so the network predicts w and h.</summary>
    public static (float X, float Y)[] Anchors()
    {
        var anchors = new List<(float, float)>();
        foreach (var (stride, perCell) in Layers)
        {
            int grid = InputSize / stride;
            for (int row = 0; row < grid; row++)
            {
                for (int col = 0; col < grid; col++)
                {
                    for (int a = 0; a < perCell; a++)
                    {
                        anchors.Add(((col + 0.5f) / grid, (row + 0.5f) / grid));
                    }
                }
            }
        }
        return anchors.ToArray();
    }

    /// <summary>
    /// Decodes the raw outputs — scores [896] and regressors [896×16] (x, y, w, h, then six keypoint x, y pairs, in input
    /// pixels relative to the anchor) — into detections with coordinates normalised to 0..1, before suppression.
    /// </summary>
    public static List<FaceDetection> Decode(float[] scores, float[] boxes)
    {
        var anchors = Anchors();
        if (scores.Length != anchors.Length || boxes.Length != anchors.Length * 16)
        {
            throw new ArgumentException($"BlazeFace front expects {anchors.Length} scores and {anchors.Length * 16} box values, got {scores.Length} and {boxes.Length}");
        }
        var detections = new List<FaceDetection>();
        for (int i = 0; i < anchors.Length; i++)
        {
            float score = Sigmoid(Math.Clamp(scores[i], -ScoreClip, ScoreClip));
            if (score < ScoreThreshold)
            {
                continue;
            }
            var (ax, ay) = anchors[i];
            var raw = boxes.AsSpan(i * 16, 16);
            float cx = raw[0] / InputSize + ax, cy = raw[1] / InputSize + ay;
            float w = raw[2] / InputSize, h = raw[3] / InputSize;
            var keypoints = new float[12];
            for (int k = 0; k < 6; k++)
            {
                keypoints[2 * k] = raw[4 + 2 * k] / InputSize + ax;
                keypoints[2 * k + 1] = raw[5 + 2 * k] / InputSize + ay;
            }
            detections.Add(new FaceDetection(score, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, keypoints));
        }
        return detections;
    }

    /// <summary>
    /// MediaPipe's weighted NMS: the best remaining detection absorbs every other whose IoU with it exceeds the threshold,
    /// and its box and keypoints become the score-weighted mean of the absorbed ones; the score stays the best one's.
    /// Averaging steadies the box, which plain NMS would leave to whichever anchor won by a hair.
    /// </summary>
    public static List<FaceDetection> WeightedNonMaxSuppression(List<FaceDetection> detections, float iouThreshold = IouThreshold)
    {
        var remaining = detections.OrderByDescending(d => d.Score).ToList();
        var result = new List<FaceDetection>();
        while (remaining.Count > 0)
        {
            var best = remaining[0];
            var cluster = remaining.Where(d => Iou(best, d) > iouThreshold).ToList();
            remaining = remaining.Where(d => !ReferenceEquals(d, best) && Iou(best, d) <= iouThreshold).ToList();
            float total = cluster.Sum(d => d.Score);
            float Mean(Func<FaceDetection, float> pick) => cluster.Sum(d => pick(d) * d.Score) / total;
            var keypoints = Enumerable.Range(0, best.Keypoints.Length).Select(k => Mean(d => d.Keypoints[k])).ToArray();
            result.Add(new FaceDetection(best.Score, Mean(d => d.XMin), Mean(d => d.YMin), Mean(d => d.XMax), Mean(d => d.YMax), keypoints));
        }
        return result;
    }

    public static float Iou(FaceDetection a, FaceDetection b)
    {
        float w = Math.Min(a.XMax, b.XMax) - Math.Max(a.XMin, b.XMin);
        float h = Math.Min(a.YMax, b.YMax) - Math.Max(a.YMin, b.YMin);
        if (w <= 0 || h <= 0)
        {
            return 0;
        }
        float intersection = w * h;
        return intersection / (a.Width * a.Height + b.Width * b.Height - intersection);
    }

    /// <summary>Maps normalised coordinates of the letterboxed square back to pixels of the original photo.</summary>
    public static FaceDetection ToPixels(FaceDetection d, Letterbox box)
    {
        float X(float v) => v * box.Side - box.PadX;
        float Y(float v) => v * box.Side - box.PadY;
        var keypoints = d.Keypoints.Select((v, i) => i % 2 == 0 ? X(v) : Y(v)).ToArray();
        return new FaceDetection(d.Score, X(d.XMin), Y(d.YMin), X(d.XMax), Y(d.YMax), keypoints);
    }

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}

/// <summary>How a photo was padded to a square before resizing: the square's side and the padding on the left and top.</summary>
public readonly record struct Letterbox(float Side, float PadX, float PadY)
{
    public static Letterbox For(int width, int height)
    {
        int side = Math.Max(width, height);
        return new Letterbox(side, (side - width) / 2, (side - height) / 2);
    }
}
