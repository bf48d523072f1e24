using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Abstractions.Ops;

/// <summary>Shape arithmetic shared by the op definitions: broadcasting and sliding-window sizes.</summary>
public static class ShapeMath
{
    /// <summary>NumPy multidirectional broadcasting; null when the shapes are incompatible.</summary>
    public static Shape? Broadcast(Shape a, Shape b)
    {
        int rank = Math.Max(a.Rank, b.Rank);
        var dims = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long da = i < rank - a.Rank ? 1 : a[i - (rank - a.Rank)];
            long db = i < rank - b.Rank ? 1 : b[i - (rank - b.Rank)];
            if (da != db && da != 1 && db != 1)
            {
                return null;
            }
            dims[i] = da == 1 ? db : da;
        }
        return new Shape(dims);
    }

    /// <summary>Output length of a sliding window (conv, pooling) along one axis.</summary>
    public static long WindowOutput(long input, long kernel, long stride, long dilation, long padBegin, long padEnd, bool ceilMode)
    {
        long effective = (kernel - 1) * dilation + 1;
        long span = input + padBegin + padEnd - effective;
        if (span < 0)
        {
            return 0;
        }
        long n = ceilMode ? (span + stride - 1) / stride + 1 : span / stride + 1;
        // ONNX (and PyTorch) drop a last window that would start inside the end padding.
        if (ceilMode && (n - 1) * stride >= input + padBegin)
        {
            n--;
        }
        return n;
    }

    public static ImmutableArray<TensorType> One(DataType type, Shape shape) => ImmutableArray.Create(new TensorType(type, shape));

    public static ImmutableArray<TensorType> One(TensorType type) => ImmutableArray.Create(type);
}
