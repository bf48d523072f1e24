namespace WasmGraph.Abstractions.Ir;

public sealed record TensorType(DataType ElementType, Shape Shape)
{
    public long ElementCount => Shape.ElementCount;

    public long ByteSize => checked(Shape.ElementCount * ElementType.SizeOf());

    public override string ToString() => $"{ElementType.Name()}{Shape}";
}
