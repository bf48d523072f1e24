using System.Runtime.InteropServices;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// Resize (nearest, linear, cubic) as a separable weighted gather. Every coordinate transform, rounding rule and
/// cubic coefficient depends only on positions, so the compiler computes, per axis, each output position's input
/// taps and weights into tables; the kernel sums Π weight · input over the taps. Axes that keep their size and map
/// identically read straight through. tf_crop_and_resize maps output positions into the roi box; positions outside the
/// input get extrapolation_value, from a per-axis table of outside flags checked at the store.
/// </summary>
internal sealed class ResizeKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["Resize"];

    private sealed record AxisTaps(int Count, int[] Index, float[] Weight, bool Identity, float[]? Outside = null);

    public string? CheckSupported(Node node, Graph graph)
    {
        if (graph.TypeOf(node.Inputs[0]).ElementType != DataType.Float32)
        {
            return "only float32 Resize is lowered";
        }
        var transform = node.Attributes.GetString("coordinate_transformation_mode", "");
        return transform is "half_pixel" or "pytorch_half_pixel" or "align_corners" or "asymmetric" or "tf_half_pixel_for_nn" or "tf_crop_and_resize"
            ? null : $"coordinate_transformation_mode '{transform}' is not lowered";
    }

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var input = k.InputType(0).Shape;
        var output = k.OutputType(0).Shape;
        var inStrides = input.Strides();
        var outStrides = output.Strides();
        var taps = Enumerable.Range(0, input.Rank).Select(d => Taps(k.Attributes, d, input[d], output[d])).ToArray();
        var indexTables = taps.Select(t => t.Identity ? null : (LValue?)k.EmbedFloats(MemoryMarshal.Cast<int, float>(t.Index).ToArray())).ToArray();
        var weightTables = taps.Select(t => t.Identity ? null : (LValue?)k.EmbedFloats(t.Weight)).ToArray();
        var outsideTables = taps.Select(t => t.Outside is { } flags ? (LValue?)k.EmbedFloats(flags) : null).ToArray();
        var extrapolation = e.F(k.Attributes.GetFloat("extrapolation_value", 0f));

        void Level(int d, LValue outLinear, LValue[] positions)
        {
            if (d == input.Rank)
            {
                var value = Sum(0, e.I(0), e.F(1), e.F(0));
                for (int axis = 0; axis < input.Rank; axis++)
                {
                    if (outsideTables[axis] is { } flags)
                    {
                        var outside = e.B.FCmp(RealPredicate.One, e.LoadF32(flags, positions[axis]), e.F(0));
                        value = e.B.Select(outside, extrapolation, value);
                    }
                }
                e.StoreF32(value, k.Output(0), outLinear);
                return;
            }
            e.For(output[d], o => Level(d + 1, e.Add(outLinear, e.Mul(o, outStrides[d])), [.. positions, o]));

            LValue Sum(int axis, LValue offset, LValue weight, LValue acc)
            {
                if (axis == input.Rank)
                {
                    return e.FAdd(acc, e.FMul(weight, e.LoadF32(k.Input(0), offset)));
                }
                var t = taps[axis];
                if (t.Identity)
                {
                    return Sum(axis + 1, e.Add(offset, e.Mul(positions[axis], inStrides[axis])), weight, acc);
                }
                return e.Fold(0, t.Count, 1, acc, (tap, a) =>
                {
                    var slot = e.Add(e.Mul(positions[axis], t.Count), tap);
                    var index = e.Load(e.Ctx.I32, 4, indexTables[axis]!.Value, slot);
                    var w = e.LoadF32(weightTables[axis]!.Value, slot);
                    return Sum(axis + 1, e.Add(offset, e.Mul(index, inStrides[axis])), e.FMul(weight, w), a);
                });
            }
        }
        Level(0, e.I(0), []);
    }

    private static AxisTaps Taps(Attributes a, int axis, long length, long outLength)
    {
        double scale = a.GetFloats("scales")[axis];
        string mode = a.GetString("mode", "nearest");
        string transform = a.GetString("coordinate_transformation_mode", "half_pixel");
        var roi = a.GetFloats("roi");
        double roiStart = roi.Length == 2 * a.GetFloats("scales").Length ? roi[axis] : 0;
        double roiEnd = roi.Length == 2 * a.GetFloats("scales").Length ? roi[axis + roi.Length / 2] : 1;
        bool cropped = transform == "tf_crop_and_resize";
        if (length == outLength && (cropped ? roiStart == 0 && roiEnd == 1 : scale == 1 || transform == "align_corners"))
        {
            return new AxisTaps(1, [], [], Identity: true);
        }
        int count = mode switch { "nearest" => 1, "linear" => 2, _ => 4 };
        var index = new int[outLength * count];
        var weight = new float[outLength * count];
        var extrapolated = cropped ? new float[outLength] : null;
        for (long o = 0; o < outLength; o++)
        {
            double x = transform switch
            {
                "half_pixel" => (o + 0.5) / scale - 0.5,
                "pytorch_half_pixel" => outLength > 1 ? (o + 0.5) / scale - 0.5 : 0,
                // ONNX uses the unrounded resized length (length · scale) here, as ONNX Runtime does.
                "align_corners" => length * scale <= 1 ? 0 : o * (length - 1) / (length * scale - 1),
                "tf_half_pixel_for_nn" => (o + 0.5) / scale,
                "tf_crop_and_resize" => outLength > 1
                    ? roiStart * (length - 1) + o * (roiEnd - roiStart) * (length - 1) / (outLength - 1)
                    : 0.5 * (roiStart + roiEnd) * (length - 1),
                _ => o / scale,
            };
            if (extrapolated is not null && (x < 0 || x > length - 1))
            {
                extrapolated[o] = 1;
            }
            var (idx, w) = mode switch
            {
                "nearest" => ([Nearest(x, a.GetString("nearest_mode", "round_prefer_floor"))], [1.0]),
                "linear" => Linear(x),
                _ => Cubic(x, a.GetFloat("cubic_coeff_a", -0.75f)),
            };
            bool exclude = a.GetInt("exclude_outside", 0) != 0;
            double total = 0;
            for (int t = 0; t < count; t++)
            {
                bool outside = idx[t] < 0 || idx[t] >= length;
                if (exclude && outside) { w[t] = 0; }
                total += w[t];
            }
            for (int t = 0; t < count; t++)
            {
                index[o * count + t] = (int)Math.Clamp(idx[t], 0, length - 1);
                weight[o * count + t] = (float)(exclude && total != 0 ? w[t] / total : w[t]);
            }
        }
        return new AxisTaps(count, index, weight, Identity: false, extrapolated is not null && extrapolated.Contains(1) ? extrapolated : null);
    }

    private static long Nearest(double x, string rounding) => rounding switch
    {
        "floor" => (long)Math.Floor(x),
        "ceil" => (long)Math.Ceiling(x),
        "round_prefer_ceil" => x - Math.Floor(x) == 0.5 ? (long)Math.Ceiling(x) : (long)Math.Round(x),
        _ => x - Math.Floor(x) == 0.5 ? (long)Math.Floor(x) : (long)Math.Round(x),
    };

    private static (long[], double[]) Linear(double x)
    {
        long i0 = (long)Math.Floor(x);
        double t = x - i0;
        return ([i0, i0 + 1], [1 - t, t]);
    }

    private static (long[], double[]) Cubic(double x, double a)
    {
        long i0 = (long)Math.Floor(x);
        double t = x - i0;
        double c0 = ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a;
        double c1 = ((a + 2) * t - (a + 3)) * t * t + 1;
        double c2 = ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1;
        double c3 = ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a;
        return ([i0 - 1, i0, i0 + 1, i0 + 2], [c0, c1, c2, c3]);
    }
}
