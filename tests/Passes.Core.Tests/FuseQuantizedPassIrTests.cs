using static WasmGraph.Passes.Core.Tests.IrTestCase;

namespace WasmGraph.Passes.Core.Tests;

public class FuseQuantizedPassIrTests
{
    private static readonly FuseQuantizedPass Pass = new();

    private const string ConvParameters = """
          const xs: float32[] = [0.5]
          const xz: uint8[] = [128]
          const wq: int8[2,2,1,1] = [1,-2,3,4]
          const ws: float32[2] = [0.25,0.125]
          const wz: int8[2] = [0,0]
          const ys: float32[] = [2]
          const yz: uint8[] = [10]
        """;

    [Fact]
    public void DequantizeConvReluQuantizeBecomesOneQuantizedConvWhoseRangeIsTheRelu() => Check(Pass, $$"""
        graph g(x: uint8[1,2,2,2]) {
        {{ConvParameters}}
          xd: float32[1,2,2,2] = DequantizeLinear(x, xs, xz) {axis=0}
          wd: float32[2,2,1,1] = DequantizeLinear(wq, ws, wz) {axis=0}
          c: float32[1,2,2,2] = Conv(xd, wd) {{{Conv1x1}}}
          r: float32[1,2,2,2] = Relu(c)
          y: uint8[1,2,2,2] = QuantizeLinear(r, ys, yz) {axis=0}
          return y
        }
        """, $$"""
        graph g(x: uint8[1,2,2,2]) {
        {{ConvParameters}}
          y: uint8[1,2,2,2] = QuantizedConv(x, wq, "", xs, xz, ws, wz, ys, yz) {{{Conv1x1}}, output_max=255, output_min=10}
          return y
        }
        """);

    [Fact]
    public void MatMulPlusAnInt32BiasInUnitsOfTheProductsScaleBecomesQuantizedMatMulWithThatBias() => Check(Pass, """
        graph g(x: int8[3,4]) {
          const xs: float32[] = [0.5]
          const xz: int8[] = [0]
          const wq: int8[4,2] = [1,2,3,4,5,6,7,8]
          const ws: float32[2] = [0.25,0.5]
          const wz: int8[2] = [0,0]
          const bq: int32[2] = [5,-7]
          const bs: float32[2] = [0.125,0.25]
          const ys: float32[] = [1]
          const yz: int8[] = [0]
          xd: float32[3,4] = DequantizeLinear(x, xs, xz) {axis=0}
          wd: float32[4,2] = DequantizeLinear(wq, ws, wz) {axis=1}
          bd: float32[2] = DequantizeLinear(bq, bs) {axis=0}
          m: float32[3,2] = MatMul(xd, wd)
          a: float32[3,2] = Add(m, bd)
          y: int8[3,2] = QuantizeLinear(a, ys, yz) {axis=0}
          return y
        }
        """, """
        graph g(x: int8[3,4]) {
          const xs: float32[] = [0.5]
          const xz: int8[] = [0]
          const wq: int8[4,2] = [1,2,3,4,5,6,7,8]
          const ws: float32[2] = [0.25,0.5]
          const wz: int8[2] = [0,0]
          const bq: int32[2] = [5,-7]
          const bs: float32[2] = [0.125,0.25]
          const ys: float32[] = [1]
          const yz: int8[] = [0]
          const b: int32[2] = [5,-7]
          y: int8[3,2] = QuantizedMatMul(x, wq, b, xs, xz, ws, wz, ys, yz)
          return y
        }
        """);

    [Fact]
    public void AConvWhoseOutputStaysFloatKeepsFloatSemanticsWithItsWeightsDequantizedAtCompileTime() => Check(Pass, $$"""
        graph g(x: float32[1,2,2,2]) {
          const wq: int8[2,2,1,1] = [1,-2,3,4]
          const ws: float32[2] = [0.25,0.125]
          const wz: int8[2] = [0,1]
          wd: float32[2,2,1,1] = DequantizeLinear(wq, ws, wz) {axis=0}
          y: float32[1,2,2,2] = Conv(x, wd) {{{Conv1x1}}}
          return y
        }
        """, $$"""
        graph g(x: float32[1,2,2,2]) {
          const wq: int8[2,2,1,1] = [1,-2,3,4]
          const ws: float32[2] = [0.25,0.125]
          const wz: int8[2] = [0,1]
          const w: float32[2,2,1,1] = [0.25,-0.5,0.25,0.375]
          y: float32[1,2,2,2] = Conv(x, w) {{{Conv1x1}}}
          return y
        }
        """);

    [Fact]
    public void AnActivationInputReadTwiceIsNotFusedAndItsDequantizationStays() => Check(Pass, $$"""
        graph g(x: uint8[1,2,2,2]) {
        {{ConvParameters}}
          xd: float32[1,2,2,2] = DequantizeLinear(x, xs, xz) {axis=0}
          wd: float32[2,2,1,1] = DequantizeLinear(wq, ws, wz) {axis=0}
          c: float32[1,2,2,2] = Conv(xd, wd) {{{Conv1x1}}}
          y: uint8[1,2,2,2] = QuantizeLinear(c, ys, yz) {axis=0}
          return y, c
        }
        """, $$"""
        graph g(x: uint8[1,2,2,2]) {
        {{ConvParameters}}
          const w: float32[2,2,1,1] = [0.25,-0.5,0.375,0.5]
          xd: float32[1,2,2,2] = DequantizeLinear(x, xs, xz) {axis=0}
          c: float32[1,2,2,2] = Conv(xd, w) {{{Conv1x1}}}
          y: uint8[1,2,2,2] = QuantizeLinear(c, ys, yz) {axis=0}
          return y, c
        }
        """);

    [Fact]
    public void AGemmWithTransposedWeightsAndAClipBecomesQuantizedMatMulOnTheWeightsTransposedAtCompileTime() => Check(Pass, """
        graph g(x: uint8[1,3]) {
          const xs: float32[] = [0.5]
          const xz: uint8[] = [100]
          const wq: int8[2,3] = [1,2,3,4,5,6]
          const ws: float32[] = [0.25]
          const ys: float32[] = [0.5]
          const yz: uint8[] = [100]
          xd: float32[1,3] = DequantizeLinear(x, xs, xz) {axis=0}
          wd: float32[2,3] = DequantizeLinear(wq, ws) {axis=0}
          m: float32[1,2] = Gemm(xd, wd) {alpha=1, beta=1, transA=0, transB=1}
          c: float32[1,2] = Clip(m) {max=6, min=-1}
          y: uint8[1,2] = QuantizeLinear(c, ys, yz) {axis=0}
          return y
        }
        """, """
        graph g(x: uint8[1,3]) {
          const xs: float32[] = [0.5]
          const xz: uint8[] = [100]
          const wq: int8[2,3] = [1,2,3,4,5,6]
          const ws: float32[] = [0.25]
          const ys: float32[] = [0.5]
          const yz: uint8[] = [100]
          const t: int8[3,2] = [1,4,2,5,3,6]
          const z: int8[] = [0]
          y: uint8[1,2] = QuantizedMatMul(x, t, "", xs, xz, ws, z, ys, yz) {output_max=112, output_min=98}
          return y
        }
        """);
    [Fact]
    public void AMatMulPlusAFloatBiasWithNoQuantizeAfterBecomesQuantizedMatMulToFloatAndTheSharedActivationStays() => Check(Pass, """
        graph g(x: uint8[3,4]) {
          const xs: float32[] = [0.5]
          const xz: uint8[] = [128]
          const wq: int8[4,2] = [1,2,3,4,5,6,7,8]
          const ws: float32[2] = [0.25,0.5]
          const wz: int8[2] = [0,0]
          const b: float32[2] = [0.75,-1.5]
          xd: float32[3,4] = DequantizeLinear(x, xs, xz) {axis=0}
          wd: float32[4,2] = DequantizeLinear(wq, ws, wz) {axis=1}
          m: float32[3,2] = MatMul(xd, wd)
          y: float32[3,2] = Add(b, m)
          return y, xd
        }
        """, """
        graph g(x: uint8[3,4]) {
          const xs: float32[] = [0.5]
          const xz: uint8[] = [128]
          const wq: int8[4,2] = [1,2,3,4,5,6,7,8]
          const ws: float32[2] = [0.25,0.5]
          const wz: int8[2] = [0,0]
          const b: float32[2] = [0.75,-1.5]
          const bias: float32[2] = [0.75,-1.5]
          xd: float32[3,4] = DequantizeLinear(x, xs, xz) {axis=0}
          y: float32[3,2] = QuantizedMatMulToFloat(x, wq, bias, xs, xz, ws, wz)
          return y, xd
        }
        """);

    [Fact]
    public void AGemmWithAnInt32BiasAndAFloatOutputBecomesQuantizedMatMulToFloatWithTheBiasDequantizedAndTheWeightsTransposed() => Check(Pass, """
        graph g(x: uint8[1,3]) {
          const xs: float32[] = [0.5]
          const xz: uint8[] = [100]
          const wq: int8[2,3] = [1,2,3,4,5,6]
          const ws: float32[2] = [0.25,0.125]
          const bq: int32[2] = [8,-8]
          const bs: float32[2] = [0.125,0.0625]
          xd: float32[1,3] = DequantizeLinear(x, xs, xz) {axis=0}
          wd: float32[2,3] = DequantizeLinear(wq, ws) {axis=0}
          bd: float32[2] = DequantizeLinear(bq, bs) {axis=0}
          m: float32[1,2] = Gemm(xd, wd, bd) {alpha=1, beta=1, transA=0, transB=1}
          y: float32[1,2] = Tanh(m)
          return y
        }
        """, """
        graph g(x: uint8[1,3]) {
          const xs: float32[] = [0.5]
          const xz: uint8[] = [100]
          const wq: int8[2,3] = [1,2,3,4,5,6]
          const ws: float32[2] = [0.25,0.125]
          const bq: int32[2] = [8,-8]
          const bs: float32[2] = [0.125,0.0625]
          const t: int8[3,2] = [1,4,2,5,3,6]
          const z: int8[] = [0]
          const bias: float32[2] = [1,-0.5]
          m: float32[1,2] = QuantizedMatMulToFloat(x, t, bias, xs, xz, ws, z)
          y: float32[1,2] = Tanh(m)
          return y
        }
        """);

    [Fact]
    public void AMatMulWhoseActivationIsNotQuantizedKeepsFloatSemantics() => Check(Pass, """
        graph g(x: float32[3,4]) {
          const wq: int8[4,2] = [1,2,3,4,5,6,7,8]
          const ws: float32[] = [0.5]
          wd: float32[4,2] = DequantizeLinear(wq, ws) {axis=1}
          y: float32[3,2] = MatMul(x, wd)
          return y
        }
        """, """
        graph g(x: float32[3,4]) {
          const wq: int8[4,2] = [1,2,3,4,5,6,7,8]
          const ws: float32[] = [0.5]
          const w: float32[4,2] = [0.5,1,1.5,2,2.5,3,3.5,4]
          y: float32[3,2] = MatMul(x, w)
          return y
        }
        """);

    [Fact]
    public void AGatherFromATableQuantizedPerTensorGathersTheEightBitRowsThenDequantizesThem() => Check(Pass, """
        graph g(ids: int64[2,3]) {
          const tq: uint8[4,2] = [1,2,3,4,5,6,7,8]
          const ts: float32[] = [0.5]
          const tz: uint8[] = [3]
          td: float32[4,2] = DequantizeLinear(tq, ts, tz) {axis=0}
          y: float32[2,3,2] = Gather(td, ids) {axis=0}
          return y
        }
        """, """
        graph g(ids: int64[2,3]) {
          const tq: uint8[4,2] = [1,2,3,4,5,6,7,8]
          const ts: float32[] = [0.5]
          const tz: uint8[] = [3]
          rows: uint8[2,3,2] = Gather(tq, ids) {axis=0}
          y: float32[2,3,2] = DequantizeLinear(rows, ts, tz) {axis=0}
          return y
        }
        """);

    [Fact]
    public void AGatherAlongRowsOfATableQuantizedPerColumnDequantizesAlongTheColumnAxisOfTheGatheredRows() => Check(Pass, """
        graph g(ids: int64[2,3]) {
          const tq: int8[4,2] = [1,2,3,4,5,6,7,8]
          const ts: float32[2] = [0.5,0.25]
          td: float32[4,2] = DequantizeLinear(tq, ts) {axis=1}
          y: float32[2,3,2] = Gather(td, ids) {axis=0}
          return y
        }
        """, """
        graph g(ids: int64[2,3]) {
          const tq: int8[4,2] = [1,2,3,4,5,6,7,8]
          const ts: float32[2] = [0.5,0.25]
          rows: int8[2,3,2] = Gather(tq, ids) {axis=0}
          y: float32[2,3,2] = DequantizeLinear(rows, ts) {axis=2}
          return y
        }
        """);

    [Fact]
    public void AGatherAlongTheAxisOfAPerAxisScaleIsNotRewrittenAndItsTableFoldsToFloat() => Check(Pass, """
        graph g(ids: int64[3]) {
          const tq: int8[2,2] = [1,2,3,4]
          const ts: float32[2] = [0.5,0.25]
          td: float32[2,2] = DequantizeLinear(tq, ts) {axis=0}
          y: float32[3,2] = Gather(td, ids) {axis=0}
          return y
        }
        """, """
        graph g(ids: int64[3]) {
          const tq: int8[2,2] = [1,2,3,4]
          const ts: float32[2] = [0.5,0.25]
          const t: float32[2,2] = [0.5,1,0.75,1]
          y: float32[3,2] = Gather(t, ids) {axis=0}
          return y
        }
        """);
}
