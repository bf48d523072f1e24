namespace WasmGraph.Abstractions.Ir;

/// <summary>
/// The axes of a tensor type whose extent depends on the data (NonZero, NonMaxSuppression, Unique): the type's
/// <see cref="TensorType.Shape"/> holds each such axis's static upper bound, and a run reports the actual extent (see
/// docs/abi.md, "Bounded outputs"). A bit set over axes, so it is immutable and compares by value; the default is none.
/// </summary>
public readonly record struct DynamicDims
{
    private const int MaxAxes = 32;
    private readonly uint _mask;

    private DynamicDims(uint mask) => _mask = mask;

    public static DynamicDims None => default;

    public static DynamicDims Of(params int[] axes)
    {
        uint mask = 0;
        foreach (var axis in axes)
        {
            if (axis is < 0 or >= MaxAxes)
            {
                throw new ArgumentOutOfRangeException(nameof(axes), $"dynamic axis {axis} is outside [0, {MaxAxes})");
            }
            mask |= 1u << axis;
        }
        return new DynamicDims(mask);
    }

    public bool IsEmpty => _mask == 0;

    public bool Contains(int axis) => axis is >= 0 and < MaxAxes && (_mask & (1u << axis)) != 0;

    /// <summary>The dynamic axes in increasing order.</summary>
    public IEnumerable<int> Axes
    {
        get
        {
            for (int axis = 0; axis < MaxAxes; axis++)
            {
                if (Contains(axis))
                {
                    yield return axis;
                }
            }
        }
    }

    public override string ToString() => "[" + string.Join(",", Axes) + "]";
}
