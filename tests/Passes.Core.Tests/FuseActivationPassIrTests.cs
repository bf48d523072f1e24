using static WasmGraph.Passes.Core.Tests.IrTestCase;

namespace WasmGraph.Passes.Core.Tests;

public class FuseActivationPassIrTests
{
    private static readonly FuseActivationPass Pass = new();

    [Fact]
    public void AReluAfterAConvBecomesTheConvsActivation() => Check(Pass, $$"""
        graph g(x: float32[1,1,2,2]) {
          const w: float32[1,1,1,1] = [2]
          c: float32[1,1,2,2] = Conv(x, w) {{{Conv1x1}}}
          y: float32[1,1,2,2] = Relu(c)
          return y
        }
        """, $$"""
        graph g(x: float32[1,1,2,2]) {
          const w: float32[1,1,1,1] = [2]
          y: float32[1,1,2,2] = FusedConv(x, w) {activation="Relu", {{Conv1x1}}}
          return y
        }
        """);

    [Fact]
    public void AClipCarriesItsBounds() => Check(Pass, """
        graph g(a: float32[2,3], b: float32[3,4]) {
          m: float32[2,4] = MatMul(a, b)
          y: float32[2,4] = Clip(m) {max=6.0, min=0.0}
          return y
        }
        """, """
        graph g(a: float32[2,3], b: float32[3,4]) {
          y: float32[2,4] = FusedMatMul(a, b) {activation="Clip", activation_max=6.0, activation_min=0.0}
          return y
        }
        """);

    /// <summary>An activation after an elementwise op is not a store epilogue: fuse-elementwise makes the pair one loop.</summary>
    [Fact]
    public void ASigmoidAfterAnAddIsLeftToFuseElementwise() => Unchanged(Pass, """
        graph g(a: float32[4], b: float32[4]) {
          s: float32[4] = Add(a, b)
          y: float32[4] = Sigmoid(s)
          return y
        }
        """);

    [Fact]
    public void AProducerWhoseOutputHasTwoReadersIsNotFused() => Unchanged(Pass, """
        graph g(a: float32[2,3], b: float32[3,2]) {
          s: float32[2,2] = MatMul(a, b)
          r: float32[2,2] = Relu(s)
          y: float32[2,2] = Mul(r, s)
          return y
        }
        """);

    [Fact]
    public void AProducerWhoseOutputIsAGraphOutputIsNotFused() => Unchanged(Pass, """
        graph g(a: float32[2,3], b: float32[3,2]) {
          s: float32[2,2] = MatMul(a, b)
          y: float32[2,2] = Relu(s)
          return s, y
        }
        """);

    [Fact]
    public void AnActivationAfterAnOpThatCannotCarryOneStays() => Unchanged(Pass, """
        graph g(a: float32[4], b: float32[4]) {
          s: float32[4] = Mul(a, b)
          y: float32[4] = Relu(s)
          return y
        }
        """);
}
