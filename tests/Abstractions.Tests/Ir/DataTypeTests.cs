using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Abstractions.Tests.Ir;

public class DataTypeTests
{
    [Theory]
    [InlineData(DataType.UInt16, 4, 2, "uint16")]
    [InlineData(DataType.Int16, 5, 2, "int16")]
    [InlineData(DataType.UInt32, 12, 4, "uint32")]
    [InlineData(DataType.UInt64, 13, 8, "uint64")]
    [InlineData(DataType.Float16, 10, 2, "float16")]
    [InlineData(DataType.BFloat16, 16, 2, "bfloat16")]
    public void ItKnowsTheOnnxCodeSizeAndNameOfEachNewType(DataType type, int onnxCode, int size, string name)
    {
        Assert.Equal(onnxCode, (int)type);
        Assert.Equal(size, type.SizeOf());
        Assert.Equal(name, type.Name());
        Assert.True(DataTypes.TryParse(name, out var parsed));
        Assert.Equal(type, parsed);
    }

    [Fact]
    public void ItDescribesEveryEnumValue()
    {
        foreach (var type in Enum.GetValues<DataType>())
        {
            Assert.True(type.SizeOf() > 0);
            Assert.NotEqual(type.ToString(), type.Name());
        }
    }

    [Fact]
    public void ItSortsTypesIntoKinds()
    {
        Assert.Equal([DataType.UInt8, DataType.UInt16, DataType.UInt32, DataType.UInt64], DataTypes.UnsignedIntegers.Order());
        Assert.True(DataType.BFloat16.IsFloat() && DataType.BFloat16.IsHalf());
        Assert.False(DataType.Int16.IsUnsigned());
        Assert.True(DataType.Bool.IsUnsigned());
        Assert.DoesNotContain(DataType.Bool, DataTypes.Numeric);
    }

    [Fact]
    public void ItReadsNewIntegerTypesAsInt64AndDouble()
    {
        var u64 = TensorData.FromArray<ulong>(DataType.UInt64, new Shape(2), [ulong.MaxValue, 7]);
        Assert.Equal([-1L, 7L], u64.ToInt64Array());
        Assert.Equal([18446744073709551615.0, 7.0], u64.ToDoubleArray());
        var i16 = TensorData.FromArray<short>(DataType.Int16, new Shape(2), [-300, 300]);
        Assert.Equal([-300L, 300L], i16.ToInt64Array());
        var f16 = TensorData.FromArray<ushort>(DataType.Float16, new Shape(2), [0x3C00, 0xC500]);
        Assert.Equal([1f, -5f], f16.ToFloatArray());
    }
}
