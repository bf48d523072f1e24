using static WasmGraph.Passes.Core.Tests.IrTestCase;

namespace WasmGraph.Passes.Core.Tests;

public class EliminateDeadCodePassIrTests
{
    private static readonly EliminateDeadCodePass Pass = new();

    [Fact]
    public void ANodeNothingReadsGoesWithTheConstantsOnlyItRead() => Check(Pass, """
        graph g(x: float32[2]) {
          const c: float32[2] = [1,2]
          const unused: int64[1] = [7]
          dead: float32[2] = Add(x, c)
          y: float32[2] = Relu(x)
          return y
        }
        """, """
        graph g(x: float32[2]) {
          y: float32[2] = Relu(x)
          return y
        }
        """);

    [Fact]
    public void AChainThatReachesNoOutputGoesWhole() => Check(Pass, """
        graph g(x: float32[2]) {
          a: float32[2] = Relu(x)
          b: float32[2] = Neg(a)
          y: float32[2] = Sigmoid(x)
          return y
        }
        """, """
        graph g(x: float32[2]) {
          y: float32[2] = Sigmoid(x)
          return y
        }
        """);

    [Fact]
    public void GraphOutputsAndWhatTheyReadStayEvenWhenNoNodeReadsThem() => Unchanged(Pass, """
        graph g(x: float32[2]) {
          const c: float32[2] = [1,2]
          a: float32[2] = Add(x, c)
          y: float32[2] = Relu(a)
          return a, y, c
        }
        """);

    [Fact]
    public void ANodeWithOneLiveOutputStaysWhole() => Unchanged(Pass, """
        graph g(x: float32[4]) {
          lo: float32[2], hi: float32[2] = Split(x) {axis=0, split=[2,2]}
          return lo
        }
        """);
}
