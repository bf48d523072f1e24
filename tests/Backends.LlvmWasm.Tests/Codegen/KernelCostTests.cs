using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Tests.Kernels;
using WasmGraph.TestSupport;

namespace WasmGraph.Backends.LlvmWasm.Tests.Codegen;

/// <summary>
/// The operation counts in the metadata (<c>kernels[].flops</c>, the bench's GFLOP column and per-kernel rates): the
/// int8 products count their integer multiply-adds as two operations each, like float ones, instead of one per output.
/// </summary>
public class KernelCostTests
{
    [Fact]
    public void AQuantizedConvolutionCountsTwoOperationsPerMultiplyAdd()
    {
        // [1, 5, 9, 8] → 11 channels, 3×3, pad 1: 11·9·8 outputs of 5·9 multiply-adds each.
        var model = QuantizedGemmKernelTests.QLinearConv([1, 5, 9, 8], 11, 3, 1, 1, 1, 1, DataType.UInt8, DataType.Int8, perChannel: true, bias: true, seed: 1);
        var kernel = Assert.Single(WasmPipeline.Compile(WasmPipeline.Import(model.ToBytes())).Metadata.Kernels);
        Assert.Equal(2L * 11 * 9 * 8 * 5 * 9, kernel.Flops);
    }

    [Fact]
    public void AQuantizedMatMulCountsTwoOperationsPerMultiplyAdd()
    {
        var model = QuantizedGemmKernelTests.QLinearMatMul([3, 37], 13, DataType.UInt8, DataType.Int8, perColumn: true, seed: 2);
        var kernel = Assert.Single(WasmPipeline.Compile(WasmPipeline.Import(model.ToBytes())).Metadata.Kernels);
        Assert.Equal(2L * 3 * 13 * 37, kernel.Flops);
    }
}
