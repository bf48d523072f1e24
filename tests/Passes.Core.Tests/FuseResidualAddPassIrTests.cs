using static WasmGraph.Passes.Core.Tests.IrTestCase;

namespace WasmGraph.Passes.Core.Tests;

public class FuseResidualAddPassIrTests
{
    private static readonly FuseResidualAddPass Pass = new();

    [Fact]
    public void AnAddOfAConvAndAShortcutBecomesTheConvsFourthInput() => Check(Pass, $$"""
        graph g(x: float32[1,2,2,2]) {
          const w: float32[2,2,1,1] = [1,0,0,1]
          c: float32[1,2,2,2] = Conv(x, w) {{{Conv1x1}}}
          y: float32[1,2,2,2] = Add(c, x)
          return y
        }
        """, $$"""
        graph g(x: float32[1,2,2,2]) {
          const w: float32[2,2,1,1] = [1,0,0,1]
          y: float32[1,2,2,2] = FusedConv(x, w, "", x) {{{Conv1x1}}}
          return y
        }
        """);

    [Fact]
    public void TheConvMayBeTheAddsSecondOperandAndKeepsItsBias() => Check(Pass, $$"""
        graph g(x: float32[1,2,2,2], s: float32[1,2,2,2]) {
          const w: float32[2,2,1,1] = [1,0,0,1]
          const b: float32[2] = [1,2]
          c: float32[1,2,2,2] = Conv(x, w, b) {{{Conv1x1}}}
          y: float32[1,2,2,2] = Add(s, c)
          return y
        }
        """, $$"""
        graph g(x: float32[1,2,2,2], s: float32[1,2,2,2]) {
          const w: float32[2,2,1,1] = [1,0,0,1]
          const b: float32[2] = [1,2]
          y: float32[1,2,2,2] = FusedConv(x, w, b, s) {{{Conv1x1}}}
          return y
        }
        """);

    [Fact]
    public void AConvOutputWithTwoReadersIsNotFused() => Unchanged(Pass, $$"""
        graph g(x: float32[1,2,2,2]) {
          const w: float32[2,2,1,1] = [1,0,0,1]
          c: float32[1,2,2,2] = Conv(x, w) {{{Conv1x1}}}
          a: float32[1,2,2,2] = Add(c, x)
          y: float32[1,2,2,2] = Mul(a, c)
          return y
        }
        """);

    [Fact]
    public void AShortcutComputedAfterTheConvIsNotFused() => Unchanged(Pass, $$"""
        graph g(x: float32[1,2,2,2]) {
          const w: float32[2,2,1,1] = [1,0,0,1]
          c: float32[1,2,2,2] = Conv(x, w) {{{Conv1x1}}}
          s: float32[1,2,2,2] = Relu(x)
          y: float32[1,2,2,2] = Add(c, s)
          return y
        }
        """);

    [Fact]
    public void AShortcutThatBroadcastsIsNotFused() => Unchanged(Pass, $$"""
        graph g(x: float32[1,2,2,2], s: float32[1,2,1,1]) {
          const w: float32[2,2,1,1] = [1,0,0,1]
          c: float32[1,2,2,2] = Conv(x, w) {{{Conv1x1}}}
          y: float32[1,2,2,2] = Add(c, s)
          return y
        }
        """);
}
