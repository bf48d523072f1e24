using static WasmGraph.Passes.Core.Tests.IrTestCase;

namespace WasmGraph.Passes.Core.Tests;

public class EliminateCommonSubexpressionsPassIrTests
{
    private static readonly EliminateCommonSubexpressionsPass Pass = new();

    [Fact]
    public void TheSecondOfTwoEqualNodesGoesAndItsReadersUseTheFirst() => Check(Pass, """
        graph g(x: float32[2]) {
          a: float32[2] = Relu(x)
          b: float32[2] = Relu(x)
          y: float32[2] = Add(a, b)
          return y
        }
        """, """
        graph g(x: float32[2]) {
          a: float32[2] = Relu(x)
          y: float32[2] = Add(a, a)
          return y
        }
        """);

    [Fact]
    public void MergingCascadesToTheNodesThatReadTheMergedValues() => Check(Pass, """
        graph g(x: float32[2]) {
          a: float32[2] = Relu(x)
          b: float32[2] = Relu(x)
          na: float32[2] = Neg(a)
          nb: float32[2] = Neg(b)
          y: float32[2] = Mul(na, nb)
          return y
        }
        """, """
        graph g(x: float32[2]) {
          a: float32[2] = Relu(x)
          na: float32[2] = Neg(a)
          y: float32[2] = Mul(na, na)
          return y
        }
        """);

    [Fact]
    public void NodesWithDifferentAttributesStay() => Unchanged(Pass, """
        graph g(x: float32[2]) {
          a: float32[2] = LeakyRelu(x) {alpha=0.1}
          b: float32[2] = LeakyRelu(x) {alpha=0.2}
          y: float32[2] = Add(a, b)
          return y
        }
        """);

    [Fact]
    public void ADuplicateThatIsAGraphOutputStays() => Unchanged(Pass, """
        graph g(x: float32[2]) {
          a: float32[2] = Relu(x)
          b: float32[2] = Relu(x)
          return a, b
        }
        """);

    [Fact]
    public void EqualOpsOnDifferentConstantsStay() => Unchanged(Pass, """
        graph g(x: float32[2]) {
          const c: float32[2] = [1,2]
          const d: float32[2] = [1,3]
          a: float32[2] = Add(x, c)
          b: float32[2] = Add(x, d)
          y: float32[2] = Mul(a, b)
          return y
        }
        """);
}
