using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using static WasmGraph.Abstractions.Ops.ShapeMath;

namespace WasmGraph.Abstractions.Ops;

public static partial class StandardOps
{
    /// <summary>
    /// The blocked channel layout (NCHWc) made by <c>convert-conv-layout</c>: channels split into blocks of
    /// <c>block</c> that become the innermost axis, so one SIMD vector holds the same pixel of <c>block</c> channels.
    /// </summary>
    public static IEnumerable<OpDefinition> Layout()
    {
        yield return new OpDefinition("LayoutToBlocked", FusionKind.Injective, InferToBlocked, "[N, C, spatial…] → [N, C/block, spatial…, block]")
        {
            RequiredAttributes = ["block"],
            Evaluate = (node, inputs, types) => ConstantMath.One(BlockedLayout.ToBlocked(inputs[0]!, 1, node.Attributes.GetInt("block"))),
        };
        yield return new OpDefinition("LayoutFromBlocked", FusionKind.Injective, InferFromBlocked, "[N, C/block, spatial…, block] → [N, C, spatial…]")
        {
            RequiredAttributes = ["block"],
            Evaluate = (node, inputs, types) => ConstantMath.One(BlockedLayout.FromBlocked(inputs[0]!, 1)),
        };
        yield return new OpDefinition("ConvBlocked", FusionKind.OutElementwiseFusable, InferConvBlocked,
            "2-D group-1 convolution on blocked tensors, with FusedConv's optional residual and activation; weights pre-packed [M/block, C, KH, KW, block]")
        {
            FusedForm = "ConvBlocked",
            RequiredAttributes = ["kernel_shape", "strides", "dilations", "pads", "group", "block"],
        };
    }

    private static long Block(InferenceContext c)
    {
        long block = c.Attributes.GetInt("block");
        return block >= 1 ? block : throw c.Error($"block must be ≥ 1, got {block}");
    }

    private static ImmutableArray<TensorType> InferToBlocked(InferenceContext c)
    {
        var x = c.Input(0);
        long block = Block(c);
        if (x.Shape.Rank < 2 || x.Shape[1] % block != 0)
        {
            throw c.Error($"input {x.Shape} needs a channel axis (1) divisible by block {block}");
        }
        return One(x.ElementType, BlockedLayout.Blocked(x.Shape, 1, block));
    }

    private static ImmutableArray<TensorType> InferFromBlocked(InferenceContext c)
    {
        var x = c.Input(0);
        long block = Block(c);
        if (x.Shape.Rank < 3 || x.Shape[x.Shape.Rank - 1] != block)
        {
            throw c.Error($"input {x.Shape} is not blocked by {block} (its last axis must be {block})");
        }
        return One(x.ElementType, BlockedLayout.Unblocked(x.Shape, 1));
    }

    private static ImmutableArray<TensorType> InferConvBlocked(InferenceContext c)
    {
        var x = c.Input(0);
        var w = c.Input(1);
        long block = Block(c);
        var a = c.Attributes;
        var kernel = a.GetInts("kernel_shape");
        var strides = a.GetInts("strides");
        var dilations = a.GetInts("dilations");
        var pads = a.GetInts("pads");
        if (x.Shape.Rank != 5 || x.Shape[4] != block)
        {
            throw c.Error($"input must be [N, C/{block}, H, W, {block}], got {x.Shape}");
        }
        long channels = x.Shape[1] * block;
        if (w.Shape.Rank != 5 || w.Shape[1] != channels || w.Shape[4] != block)
        {
            throw c.Error($"weights must be packed as [M/{block}, {channels}, KH, KW, {block}], got {w.Shape}");
        }
        if (a.GetInt("group") != 1)
        {
            throw c.Error("only group 1 has a blocked form");
        }
        if (kernel.Length != 2 || strides.Length != 2 || dilations.Length != 2 || pads.Length != 4)
        {
            throw c.Error("kernel_shape/strides/dilations need 2 values and pads 4");
        }
        long outputs = w.Shape[0] * block;
        if (c.HasInput(2) && c.Input(2).Shape != new Shape(outputs))
        {
            throw c.Error($"bias must have shape [{outputs}], got {c.Input(2).Shape}");
        }
        var dims = new long[] { x.Shape[0], w.Shape[0], 0, 0, block };
        for (int i = 0; i < 2; i++)
        {
            if (kernel[i] != w.Shape[i + 2])
            {
                throw c.Error($"kernel_shape {kernel[i]} disagrees with weight shape {w.Shape}");
            }
            if (strides[i] < 1 || dilations[i] < 1 || pads[i] < 0 || pads[i + 2] < 0)
            {
                throw c.Error("strides and dilations must be ≥ 1 and pads ≥ 0");
            }
            dims[i + 2] = WindowOutput(x.Shape[i + 2], kernel[i], strides[i], dilations[i], pads[i], pads[i + 2], ceilMode: false);
        }
        // Convert-conv-layout carries a FusedConv's residual (blocked like the output) and activation over.
        return WithEpilogue(c, One(x.ElementType, new Shape(dims)), residual: true);
    }
}

/// <summary>
/// The index map of the blocked layout, shared by the layout ops' evaluators and the passes that pack weights: axis
/// <c>a</c> of size D becomes D/b at the same place plus a new innermost axis of size b, and element
/// (…, i, …, l) of the blocked tensor is element (…, i·b + l, …) of the plain one.
/// </summary>
public static class BlockedLayout
{
    public static Shape Blocked(Shape shape, int axis, long block)
    {
        var dims = shape.Dims.ToList();
        dims[axis] /= block;
        dims.Add(block);
        return new Shape(dims.ToArray());
    }

    public static Shape Unblocked(Shape blocked, int axis)
    {
        var dims = blocked.Dims.ToList();
        dims[axis] *= dims[^1];
        dims.RemoveAt(dims.Count - 1);
        return new Shape(dims.ToArray());
    }

    /// <summary>Re-lays a plain tensor out blocked along <paramref name="axis"/> (weights: axis 0, activations: axis 1).</summary>
    public static TensorData ToBlocked(TensorData plain, int axis, long block)
        => Permute(plain, new TensorType(plain.Type.ElementType, Blocked(plain.Type.Shape, axis, block)), axis, block, toBlocked: true);

    public static TensorData FromBlocked(TensorData blocked, int axis)
    {
        var shape = blocked.Type.Shape;
        return Permute(blocked, new TensorType(blocked.Type.ElementType, Unblocked(shape, axis)), axis, shape[shape.Rank - 1], toBlocked: false);
    }

    /// <summary>
    /// Plain [outer, D, inner] ⇄ blocked [outer, D/b, inner, b] as element copies: this packs every conv weight of a
    /// model at compile time (ResNet50: 25 M floats), so it avoids per-element index arithmetic.
    /// </summary>
    private static TensorData Permute(TensorData source, TensorType target, int axis, long block, bool toBlocked)
    {
        var plainShape = toBlocked ? source.Type.Shape : target.Shape;
        long outer = plainShape.Dims.Take(axis).Aggregate(1L, (a, b) => a * b);
        long blocks = plainShape[axis] / block;
        long inner = plainShape.Dims.Skip(axis + 1).Aggregate(1L, (a, b) => a * b);
        int size = source.Type.ElementType.SizeOf();
        var src = source.Bytes;
        var dst = new byte[target.ByteSize];
        for (long o = 0; o < outer; o++)
        {
            for (long d = 0; d < blocks * block; d++)
            {
                for (long i = 0; i < inner; i++)
                {
                    long plainAt = (o * blocks * block + d) * inner + i;
                    long blockedAt = ((o * blocks + d / block) * inner + i) * block + d % block;
                    var (from, to) = toBlocked ? (plainAt, blockedAt) : (blockedAt, plainAt);
                    src.Slice((int)(from * size), size).CopyTo(dst.AsSpan((int)(to * size), size));
                }
            }
        }
        return new TensorData(target, dst);
    }
}
