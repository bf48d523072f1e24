namespace WasmGraph.Abstractions.Ir;

public sealed record TensorType(DataType ElementType, Shape Shape)
{
    /// <summary>
    /// Axes whose extent depends on the data; <see cref="Shape"/> gives their upper bound. Empty for every ordinary
    /// value: only the outputs of NonZero, NonMaxSuppression and Unique are bounded, and they may only be graph outputs.
    /// </summary>
    public DynamicDims Dynamic { get; init; }

    /// <summary>True when some dimension is only an upper bound (see <see cref="Dynamic"/>).</summary>
    public bool IsBounded => !Dynamic.IsEmpty;

    /// <summary>A type whose <paramref name="dynamicAxes"/> are data-dependent, with <paramref name="bound"/> as their upper bound.</summary>
    public static TensorType Bounded(DataType elementType, Shape bound, params int[] dynamicAxes)
    {
        if (dynamicAxes.Any(a => a < 0 || a >= bound.Rank))
        {
            throw new ArgumentOutOfRangeException(nameof(dynamicAxes), $"a dynamic axis is outside the rank of {bound}");
        }
        return new TensorType(elementType, bound) { Dynamic = DynamicDims.Of(dynamicAxes) };
    }

    public long ElementCount => Shape.ElementCount;

    public long ByteSize => checked(Shape.ElementCount * ElementType.SizeOf());

    /// <summary><c>float32[1,3]</c>; a bounded axis prints as <c>≤bound</c> (<c>int64[≤6,3]</c>).</summary>
    public override string ToString()
        => IsBounded
            ? $"{ElementType.Name()}[{string.Join(",", Shape.Dims.Select((d, i) => Dynamic.Contains(i) ? $"≤{d}" : $"{d}"))}]"
            : $"{ElementType.Name()}{Shape}";
}
