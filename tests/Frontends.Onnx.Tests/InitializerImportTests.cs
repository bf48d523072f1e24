using System.Diagnostics;
using Google.Protobuf;
using WasmGraph.Onnx;

namespace WasmGraph.Frontends.Onnx.Tests;

public class InitializerImportTests
{
    private static Graph LoadWithWeight(TensorData weight, TensorEncoding encoding, bool listAsInput = false)
        => Import.Load(new OnnxModelBuilder().Opset(13)
            .Input("x", weight.Type.ElementType, weight.Type.Shape.Dims.ToArray())
            .Initializer("w", weight, encoding, listAsInput)
            .Node("Add", ["x", "w"], ["y"])
            .Output("y", weight.Type.ElementType));

    public static TheoryData<TensorData, TensorEncoding> Weights()
    {
        var data = new TheoryData<TensorData, TensorEncoding>();
        var tensors = new[]
        {
            TestTensors.Random([2, 3], seed: 4),
            TensorData.FromInt64s(new Shape(3), [-5, 0, long.MaxValue]),
            TensorData.FromArray(DataType.Int32, new Shape(2), [-7, 9]),
            TensorData.FromArray(DataType.UInt8, new Shape(3), [(byte)0, (byte)200, (byte)255]),
            TensorData.FromArray(DataType.Int8, new Shape(2), [(sbyte)-128, (sbyte)127]),
            TensorData.FromArray(DataType.Float64, new Shape(2), [1.5, -2.25]),
            TensorData.FromArray(DataType.Int16, new Shape(2), [(short)-32768, (short)32767]),
            TensorData.FromArray(DataType.UInt16, new Shape(2), [(ushort)0, (ushort)65535]),
            TensorData.FromArray(DataType.UInt32, new Shape(2), [7u, uint.MaxValue]),
            TensorData.FromArray(DataType.UInt64, new Shape(2), [7ul, ulong.MaxValue]),
            TensorData.FromArray(DataType.Float16, new Shape(3), [(ushort)0x3C00, (ushort)0xFC00, (ushort)0x0001]), // 1, −∞, smallest subnormal
            TensorData.FromArray(DataType.BFloat16, new Shape(2), [(ushort)0x3F80, (ushort)0xC0A0]),                 // 1, −5
        };
        foreach (var tensor in tensors)
        {
            data.Add(tensor, TensorEncoding.Raw);
            data.Add(tensor, TensorEncoding.Typed);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Weights))]
    public void ItReadsInitializersFromRawDataAndTypedFields(TensorData weight, TensorEncoding encoding)
    {
        var graph = LoadWithWeight(weight, encoding);

        TensorAssert.Exact(weight, graph.Constants["w"], $"initializer read from {encoding}");
    }

    [Fact]
    public void ItReadsBoolInitializersFromInt32Data()
    {
        var weight = TensorData.FromArray(DataType.Bool, new Shape(3), [(byte)1, (byte)0, (byte)1]);
        var model = new OnnxModelBuilder().Opset(13)
            .Initializer("w", weight, TensorEncoding.Typed)
            .Node("Identity", ["w"], ["y"])
            .Output("y", DataType.Bool);

        TensorAssert.Exact(weight, Import.Load(model).Constants["w"], "bool from int32_data");
    }

    [Fact]
    public void ItTreatsInitializersListedAsInputsAsConstants()
    {
        var weight = TestTensors.Random([2, 3], seed: 9);

        var graph = LoadWithWeight(weight, TensorEncoding.Raw, listAsInput: true);

        Assert.Equal<string>(["x"], graph.Inputs);
        Assert.True(graph.IsConstant("w"));
    }

    [Fact]
    public void ItRefusesExternalData()
    {
        var tensor = OnnxTensors.ToProto("w", TestTensors.Random([2]), TensorEncoding.Typed);
        tensor.FloatData.Clear();
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
        var model = new OnnxModelBuilder().Initializer(tensor).Node("Identity", ["w"], ["y"]).Output("y", DataType.Float32);

        var error = Assert.Throws<ModelException>(() => Import.Load(model));

        Assert.Contains("external", error.Message);
        Assert.Contains("weights.bin", error.Message);
    }

    [Fact]
    public void ItNamesTheTensorAndTypeOfAnUnsupportedElementType()
    {
        var tensor = new TensorProto { Name = "complex", DataType = (int)TensorProto.Types.DataType.Complex64, RawData = ByteString.CopyFrom(new byte[16]) };
        tensor.Dims.Add(2);
        var model = new OnnxModelBuilder().Initializer(tensor).Node("Identity", ["complex"], ["y"]).Output("y", DataType.Float32);

        var error = Assert.Throws<ModelException>(() => Import.Load(model));

        Assert.Contains("'complex'", error.Message);
        Assert.Contains("COMPLEX64", error.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ItRefusesAHugeDeclaredInitializerWithoutAllocatingIt(bool withRawData)
    {
        var tensor = new TensorProto { Name = "huge", DataType = (int)DataType.Float32 };
        tensor.Dims.AddRange([1_000_000, 1_000_000]);
        if (withRawData)
        {
            tensor.RawData = ByteString.CopyFrom(new byte[16]);
        }
        var model = new OnnxModelBuilder().Initializer(tensor).Node("Identity", ["huge"], ["y"]).Output("y", DataType.Float32);
        var timer = Stopwatch.StartNew();

        var error = Assert.Throws<ModelException>(() => Import.Load(model));

        Assert.True(timer.ElapsedMilliseconds < 2000, $"refusing took {timer.ElapsedMilliseconds} ms");
        Assert.Contains("'huge'", error.Message);
    }

    [Fact]
    public void ItRefusesRawDataOfTheWrongLength()
    {
        var tensor = new TensorProto { Name = "w", DataType = (int)DataType.Float32, RawData = ByteString.CopyFrom(new byte[7]) };
        tensor.Dims.Add(2);
        var model = new OnnxModelBuilder().Initializer(tensor).Node("Identity", ["w"], ["y"]).Output("y", DataType.Float32);

        var error = Assert.Throws<ModelException>(() => Import.Load(model));

        Assert.Contains("raw_data holds 7 bytes", error.Message);
    }

    [Fact]
    public void ItDropsConstantsThatOnlyFedAttributes()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3)
            .Initializer("unused", TestTensors.Random([5]))
            .Initializer("shape", TensorData.FromInt64s(new Shape(1), [6]))
            .Node("Reshape", ["x", "shape"], ["y"])
            .Output("y", DataType.Float32);

        Assert.Empty(Import.Load(model).Constants);
    }
}
