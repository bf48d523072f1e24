using static WasmGraph.Passes.Core.Tests.IrTestCase;

namespace WasmGraph.Passes.Core.Tests;

public class FoldConstantsPassIrTests
{
    private static readonly FoldConstantsPass Pass = new();

    [Fact]
    public void ANodeOfConstantsBecomesAConstantAndItsInputsAreLeftForDeadCode() => Check(Pass, """
        graph g(x: float32[2]) {
          const a: float32[2] = [1,2]
          const b: float32[2] = [10,20]
          s: float32[2] = Add(a, b)
          y: float32[2] = Mul(x, s)
          return y
        }
        """, """
        graph g(x: float32[2]) {
          const a: float32[2] = [1,2]
          const b: float32[2] = [10,20]
          const s: float32[2] = [11,22]
          y: float32[2] = Mul(x, s)
          return y
        }
        """);

    [Fact]
    public void FoldingCascadesThroughAChainAndAcrossElementTypes() => Check(Pass, """
        graph g(x: float32[3]) {
          const shape: int64[3] = [1,-2,3]
          n: int64[3] = Neg(shape)
          f: float32[3] = Cast(n) {to=1}
          y: float32[3] = Add(x, f)
          return y
        }
        """, """
        graph g(x: float32[3]) {
          const shape: int64[3] = [1,-2,3]
          const n: int64[3] = [-1,2,-3]
          const f: float32[3] = [-1,2,-3]
          y: float32[3] = Add(x, f)
          return y
        }
        """);

    [Fact]
    public void AGraphOutputStaysComputedByItsNode() => Unchanged(Pass, """
        graph g() {
          const a: float32[2] = [1,2]
          y: float32[2] = Neg(a)
          return y
        }
        """);

    [Fact]
    public void ANodeReadingAnInputIsNotFolded() => Unchanged(Pass, """
        graph g(x: float32[2]) {
          const a: float32[2] = [1,2]
          s: float32[2] = Add(x, a)
          y: float32[2] = Neg(s)
          return y
        }
        """);
}
