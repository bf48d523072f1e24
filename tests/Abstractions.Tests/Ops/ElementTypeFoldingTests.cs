using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;

namespace WasmGraph.Abstractions.Tests.Ops;

/// <summary>Constant folding and type constraints for the 16-bit and unsigned element types.</summary>
public class ElementTypeFoldingTests
{
    private static TensorData Evaluate(string op, Attributes attributes, DataType outType, params TensorData[] inputs)
    {
        var node = new Node("n", op, [.. inputs.Select((_, i) => $"x{i}")], ["y"], attributes);
        var types = OpRegistry.Default.Infer(node, name => inputs[int.Parse(name[1..])].Type, _ => null);
        Assert.Equal(outType, types[0].ElementType);
        return OpRegistry.Default.Get(op).Evaluate!(node, [.. inputs], types)[0];
    }

    private static TensorData U64(params ulong[] values) => TensorData.FromArray<ulong>(DataType.UInt64, new Shape(values.Length), values);

    [Theory]
    [InlineData("Max", 0xFFFF_FFFF_FFFF_FFF0UL)]
    [InlineData("Min", 3UL)]
    [InlineData("Div", 0x5555_5555_5555_5550UL)]
    [InlineData("Mod", 0UL)]
    public void ItFoldsUInt64AboveTheSignedRangeAsUnsigned(string op, ulong expected)
    {
        var result = Evaluate(op, Attributes.Empty.With("fmod", 0L), DataType.UInt64, U64(0xFFFF_FFFF_FFFF_FFF0), U64(3));
        Assert.Equal(expected, result.AsSpan<ulong>()[0]);
    }

    [Fact]
    public void ItComparesUInt64Unsigned()
    {
        var result = Evaluate("Greater", Attributes.Empty, DataType.Bool, U64(0x8000_0000_0000_0000), U64(1));
        Assert.Equal(1, result.Bytes[0]);
    }

    [Theory]
    [InlineData("LEFT", new byte[] { 2, 128, 0, 0 })]
    [InlineData("RIGHT", new byte[] { 0, 32, 0, 0 })]
    public void ItFoldsBitShiftWithLargeAmountsGivingZero(string direction, byte[] expected)
    {
        var x = TensorData.FromArray<byte>(DataType.UInt8, new Shape(4), [1, 64, 255, 255]);
        var amount = TensorData.FromArray<byte>(DataType.UInt8, new Shape(4), [1, 1, 8, 200]);
        var result = Evaluate("BitShift", Attributes.Empty.With("direction", direction), DataType.UInt8, x, amount);
        Assert.Equal(expected, result.Bytes.ToArray());
    }

    [Fact]
    public void ItFoldsFloat16ArithmeticRoundingOnceToTheResultType()
    {
        var a = TensorData.FromArray<ushort>(DataType.Float16, new Shape(2), [0x3C00, 0x7BFF]); // 1, 65504
        var b = TensorData.FromArray<ushort>(DataType.Float16, new Shape(2), [0x1400, 0x7BFF]); // 2^-10, 65504
        var sum = Evaluate("Add", Attributes.Empty, DataType.Float16, a, b);
        Assert.Equal([(ushort)0x3C01, (ushort)0x7C00], sum.AsSpan<ushort>().ToArray()); // 1 + 2^-10; overflow to ∞
    }

    [Fact]
    public void ItCastsBetweenTheNewTypes()
    {
        var x = TensorData.FromArray<ushort>(DataType.Float16, new Shape(3), [0xC500, 0x3555, 0x7C00]); // −5, 0.333…, ∞
        var node = new Node("n", "Cast", ["x"], ["y"], Attributes.Empty.With("to", (long)DataType.BFloat16));
        var types = OpRegistry.Default.Infer(node, _ => x.Type, _ => null);
        var y = OpRegistry.Default.Get("Cast").Evaluate!(node, [x], types)[0];
        Assert.Equal([(ushort)0xC0A0, (ushort)0x3EAB, (ushort)0x7F80], y.AsSpan<ushort>().ToArray());

        var big = U64(0x8000_0000_0000_0000);
        node = new Node("n", "Cast", ["x"], ["y"], Attributes.Empty.With("to", (long)DataType.Float32));
        types = OpRegistry.Default.Infer(node, _ => big.Type, _ => null);
        Assert.Equal(9.223372E18f, OpRegistry.Default.Get("Cast").Evaluate!(node, [big], types)[0].AsSpan<float>()[0]);
    }

    [Fact]
    public void ItRefusesBitShiftOnSignedIntegersAsTheOnnxSchemaDoes()
    {
        var node = new Node("n", "BitShift", ["a", "b"], ["y"], Attributes.Empty.With("direction", "LEFT"));
        var int32 = new TensorType(DataType.Int32, new Shape(2));
        var error = Assert.Throws<ModelException>(() => OpRegistry.Default.Infer(node, _ => int32, _ => null));
        Assert.Contains("int32 is not allowed", error.Message);
        Assert.Contains("uint8, uint16, uint32, uint64", error.Message);
    }
}
