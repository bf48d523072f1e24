using static WasmGraph.Passes.Core.Tests.IrTestCase;

namespace WasmGraph.Passes.Core.Tests;

/// <summary>
/// With epsilon 0 and variance 4, s = γ/2 and t = β − mean·s are exact in float32, so the folded weights can be written
/// out: W' = W·s, b' = b·s + t.
/// </summary>
public class FoldBatchNormPassIrTests
{
    private static readonly FoldBatchNormPass Pass = new();

    private const string Parameters = """
          const gamma: float32[2] = [3,4]
          const beta: float32[2] = [1,0]
          const mean: float32[2] = [0.5,1]
          const var: float32[2] = [4,4]
        """;

    [Fact]
    public void ConvThenBatchNormBecomesOneConvWithScaledWeightsAndAShiftedBias() => Check(Pass, $$"""
        graph g(x: float32[1,1,2,2]) {
          const w: float32[2,1,1,1] = [2,-1]
        {{Parameters}}
          c: float32[1,2,2,2] = Conv(x, w) {{{Conv1x1}}}
          y: float32[1,2,2,2] = BatchNormalization(c, gamma, beta, mean, var) {epsilon=0.0, spatial=1}
          return y
        }
        """, $$"""
        graph g(x: float32[1,1,2,2]) {
          const w: float32[2,1,1,1] = [2,-1]
        {{Parameters}}
          const w_folded: float32[2,1,1,1] = [3,-2]
          const b_folded: float32[2] = [0.25,-2]
          y: float32[1,2,2,2] = Conv(x, w_folded, b_folded) {{{Conv1x1}}}
          return y
        }
        """);

    [Fact]
    public void GemmThenBatchNormScalesTheColumnsAndTakesBetaOne() => Check(Pass, $$"""
        graph g(x: float32[1,2]) {
          const w: float32[2,2] = [1,2,3,4]
        {{Parameters}}
          m: float32[1,2] = Gemm(x, w) {alpha=1.0, beta=1.0, transA=0, transB=0}
          y: float32[1,2] = BatchNormalization(m, gamma, beta, mean, var) {epsilon=0.0, spatial=1}
          return y
        }
        """, $$"""
        graph g(x: float32[1,2]) {
          const w: float32[2,2] = [1,2,3,4]
        {{Parameters}}
          const w_folded: float32[2,2] = [1.5,4,4.5,8]
          const b_folded: float32[2] = [0.25,-2]
          y: float32[1,2] = Gemm(x, w_folded, b_folded) {alpha=1.0, beta=1.0, transA=0, transB=0}
          return y
        }
        """);

    [Fact]
    public void AConvWhoseOutputHasAnotherReaderKeepsItsBatchNorm() => Unchanged(Pass, $$"""
        graph g(x: float32[1,1,2,2]) {
          const w: float32[2,1,1,1] = [2,-1]
        {{Parameters}}
          c: float32[1,2,2,2] = Conv(x, w) {{{Conv1x1}}}
          n: float32[1,2,2,2] = BatchNormalization(c, gamma, beta, mean, var) {epsilon=0.0, spatial=1}
          y: float32[1,2,2,2] = Add(n, c)
          return y
        }
        """);

    [Fact]
    public void ABatchNormWithComputedStatisticsStays() => Unchanged(Pass, $$"""
        graph g(x: float32[1,1,2,2], live: float32[2]) {
          const w: float32[2,1,1,1] = [2,-1]
        {{Parameters}}
          c: float32[1,2,2,2] = Conv(x, w) {{{Conv1x1}}}
          y: float32[1,2,2,2] = BatchNormalization(c, gamma, beta, live, var) {epsilon=0.0, spatial=1}
          return y
        }
        """);
}
