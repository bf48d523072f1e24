using static WasmGraph.Passes.Core.Tests.IrTestCase;

namespace WasmGraph.Passes.Core.Tests;

public class FuseElementwisePassIrTests
{
    private static readonly FuseElementwisePass Pass = new();

    [Fact]
    public void AChainBecomesOneNodeWhoseStepsReferToInputsAndEarlierSteps() => Check(Pass, """
        graph g(a: float32[4], b: float32[4], c: float32[4]) {
          m: float32[4] = Mul(a, b)
          s: float32[4] = Add(m, c)
          y: float32[4] = Tanh(s)
          return y
        }
        """, """
        graph g(a: float32[4], b: float32[4], c: float32[4]) {
          y: float32[4] = FusedElementwise(a, b, c) {steps=["Mul i0 i1","Add s0 i2","Tanh s1"]}
          return y
        }
        """);

    [Fact]
    public void AnInputReadTwiceIsOneOperand() => Check(Pass, """
        graph g(x: float32[4]) {
          e: float32[4] = Erf(x)
          y: float32[4] = Mul(e, x)
          return y
        }
        """, """
        graph g(x: float32[4]) {
          y: float32[4] = FusedElementwise(x) {steps=["Erf i0","Mul s0 i0"]}
          return y
        }
        """);

    [Fact]
    public void AValueWithTwoReadersEndsAGroup() => Unchanged(Pass, """
        graph g(a: float32[4], b: float32[4]) {
          s: float32[4] = Add(a, b)
          n: float32[4] = Neg(s)
          e: float32[4] = Exp(s)
          return n, e
        }
        """);

    [Fact]
    public void OpsWithAttributesOrOtherElementTypesAreNotFused() => Unchanged(Pass, """
        graph g(a: float32[4], i: int32[4]) {
          l: float32[4] = LeakyRelu(a) {alpha=0.1}
          y: float32[4] = Neg(l)
          n: int32[4] = Neg(i)
          z: int32[4] = Abs(n)
          return y, z
        }
        """);
}
