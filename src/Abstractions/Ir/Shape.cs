using System.Collections.Immutable;

namespace WasmGraph.Abstractions.Ir;

/// <summary>A fully static tensor shape. Every dimension is known and non-negative after the frontend.</summary>
public sealed class Shape : IEquatable<Shape>
{
    public static readonly Shape Scalar = new(ImmutableArray<long>.Empty);

    public Shape(ImmutableArray<long> dims)
    {
        foreach (var d in dims)
        {
            if (d < 0)
            {
                throw new ArgumentException($"shape dimension {d} is negative; shapes in the IR are static", nameof(dims));
            }
        }
        Dims = dims;
    }

    public Shape(params long[] dims) : this(ImmutableArray.Create(dims)) { }

    public ImmutableArray<long> Dims { get; }

    public int Rank => Dims.Length;

    public long this[int axis] => Dims[axis];

    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in Dims)
            {
                n = checked(n * d);
            }
            return n;
        }
    }

    /// <summary>Row-major strides, in elements.</summary>
    public long[] Strides()
    {
        var strides = new long[Rank];
        long s = 1;
        for (int i = Rank - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= Dims[i];
        }
        return strides;
    }

    /// <summary>Normalises a possibly negative axis (ONNX convention) against this rank.</summary>
    public int Axis(long axis) => NormalizeAxis(axis, Rank);

    public static int NormalizeAxis(long axis, int rank)
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= Math.Max(rank, 1))
        {
            throw new ArgumentOutOfRangeException(nameof(axis), $"axis {axis} is out of range for rank {rank}");
        }
        return (int)a;
    }

    public bool Equals(Shape? other) => other is not null && Dims.AsSpan().SequenceEqual(other.Dims.AsSpan());

    public override bool Equals(object? obj) => Equals(obj as Shape);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var d in Dims)
        {
            h.Add(d);
        }
        return h.ToHashCode();
    }

    public override string ToString() => "[" + string.Join(",", Dims) + "]";

    public static bool operator ==(Shape? a, Shape? b) => a is null ? b is null : a.Equals(b);

    public static bool operator !=(Shape? a, Shape? b) => !(a == b);
}
