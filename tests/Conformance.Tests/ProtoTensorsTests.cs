using Google.Protobuf;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Onnx.Proto;

namespace WasmGraph.Conformance.Tests;

/// <summary>Reading the test data's tensors in the new element types, and comparing them.</summary>
public class ProtoTensorsTests
{
    private static TensorProto Proto(TensorProto.Types.DataType type, byte[] raw, params long[] dims)
    {
        var proto = new TensorProto { DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        proto.Dims.AddRange(dims);
        return proto;
    }

    [Fact]
    public void ItReadsUInt16DataAsBFloat16WhenTheModelDeclaresBFloat16()
    {
        // The 1.12 data stores bfloat16 tensors as uint16 (NumPy has no bfloat16); the model says what they are.
        var proto = Proto(TensorProto.Types.DataType.Uint16, [0x80, 0x3F, 0xA0, 0xC0], 2);

        var asDeclared = ProtoTensors.ToTensorData(proto, "proto", out _, declared: (int)DataType.BFloat16)!;
        var plain = ProtoTensors.ToTensorData(proto, "proto", out _)!;

        Assert.Equal(DataType.BFloat16, asDeclared.Type.ElementType);
        Assert.Equal([1.0, -5.0], asDeclared.ToDoubleArray());
        Assert.Equal(DataType.UInt16, plain.Type.ElementType);
    }

    [Fact]
    public void ItReadsTypedFieldsOfTheNewTypes()
    {
        var half = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float16 };
        half.Dims.Add(2);
        half.Int32Data.AddRange([0x3C00, 0xC500]);
        var wide = new TensorProto { DataType = (int)TensorProto.Types.DataType.Uint64 };
        wide.Dims.Add(1);
        wide.Uint64Data.Add(ulong.MaxValue);

        Assert.Equal([1.0, -5.0], ProtoTensors.ToTensorData(half, "half", out _)!.ToDoubleArray());
        Assert.Equal(ulong.MaxValue, ProtoTensors.ToTensorData(wide, "wide", out _)!.AsSpan<ulong>()[0]);
    }

    [Theory]
    [InlineData(0x3F00, null)]                  // one unit above 0x3EFF: within tolerance (truncation vs rounding)
    [InlineData(0x3F01, "element 0 is 0.50390625")] // two units: a real difference
    public void ItComparesBFloat16WithinOneUnitInTheLastPlace(int actualBits, string? expectedMismatch)
    {
        var expected = TensorData.FromArray<ushort>(DataType.BFloat16, new Shape(1), [0x3EFF]);
        var actual = TensorData.FromArray<ushort>(DataType.BFloat16, new Shape(1), [(ushort)actualBits]);

        var mismatch = ConformanceRunner.Compare(expected, actual);

        if (expectedMismatch is null)
        {
            Assert.Null(mismatch);
        }
        else
        {
            Assert.StartsWith(expectedMismatch, mismatch);
        }
    }

    [Fact]
    public void ItComparesFloat16AtTheUsualTolerance()
    {
        var expected = TensorData.FromArray<ushort>(DataType.Float16, new Shape(1), [0x3C00]); // 1
        var actual = TensorData.FromArray<ushort>(DataType.Float16, new Shape(1), [0x3C02]);   // 1 + 2^-9, beyond 1e-3

        Assert.NotNull(ConformanceRunner.Compare(expected, actual));
        Assert.Null(ConformanceRunner.Compare(expected, expected));
    }
}
