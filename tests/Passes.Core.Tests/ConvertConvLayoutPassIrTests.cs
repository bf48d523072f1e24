using static WasmGraph.Passes.Core.Tests.IrTestCase;

namespace WasmGraph.Passes.Core.Tests;

/// <summary>
/// Weights W[m, c] = 4m + c (a 1×1 kernel, 4 → 4 channels) pack to [1, 4, 1, 1, 4] with element [0, c, 0, 0, m] =
/// W[m, c], so the packed data reads 0, 4, 8, 12, 1, 5, …: each run of four is one input channel across the block.
/// </summary>
public class ConvertConvLayoutPassIrTests
{
    private static readonly ConvertConvLayoutPass Pass = new();

    private const string Weights = "const w: float32[4,4,1,1] = [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]";

    private const string Packed = "const packed: float32[1,4,1,1,4] = [0,4,8,12,1,5,9,13,2,6,10,14,3,7,11,15]";

    [Fact]
    public void AConvRunsBlockedBetweenOneConversionInAndOneOut() => Check(Pass, $$"""
        graph g(x: float32[1,4,2,2]) {
          {{Weights}}
          y: float32[1,4,2,2] = Conv(x, w) {{{Conv1x1}}}
          return y
        }
        """, $$"""
        graph g(x: float32[1,4,2,2]) {
          {{Packed}}
          xb: float32[1,1,2,2,4] = LayoutToBlocked(x) {block=4}
          yb: float32[1,1,2,2,4] = ConvBlocked(xb, packed, "") {block=4, {{Conv1x1}}}
          y: float32[1,4,2,2] = LayoutFromBlocked(yb) {block=4}
          return y
        }
        """);

    [Fact]
    public void AValueStaysBlockedFromOneConvToTheNextAndSharedWeightsArePackedOnce() => Check(Pass, $$"""
        graph g(x: float32[1,4,2,2]) {
          {{Weights}}
          c: float32[1,4,2,2] = Conv(x, w) {{{Conv1x1}}}
          y: float32[1,4,2,2] = Conv(c, w) {{{Conv1x1}}}
          return y
        }
        """, $$"""
        graph g(x: float32[1,4,2,2]) {
          {{Packed}}
          xb: float32[1,1,2,2,4] = LayoutToBlocked(x) {block=4}
          cb: float32[1,1,2,2,4] = ConvBlocked(xb, packed, "") {block=4, {{Conv1x1}}}
          yb: float32[1,1,2,2,4] = ConvBlocked(cb, packed, "") {block=4, {{Conv1x1}}}
          y: float32[1,4,2,2] = LayoutFromBlocked(yb) {block=4}
          return y
        }
        """);

    [Fact]
    public void APlainReaderGetsTheValueBackJustBeforeItAndTheResidualStaysBlocked() => Check(Pass, $$"""
        graph g(x: float32[1,4,2,2]) {
          {{Weights}}
          const b: float32[4] = [1,2,3,4]
          c: float32[1,4,2,2] = Conv(x, w, b) {{{Conv1x1}}}
          y: float32[1,4,2,2] = FusedConv(c, w, "", x) {{{Conv1x1}}}
          r: float32[1,4,2,2] = Relu(c)
          return y, r
        }
        """, $$"""
        graph g(x: float32[1,4,2,2]) {
          {{Packed}}
          const b: float32[4] = [1,2,3,4]
          xb: float32[1,1,2,2,4] = LayoutToBlocked(x) {block=4}
          cb: float32[1,1,2,2,4] = ConvBlocked(xb, packed, b) {block=4, {{Conv1x1}}}
          yb: float32[1,1,2,2,4] = ConvBlocked(cb, packed, "", xb) {block=4, {{Conv1x1}}}
          c: float32[1,4,2,2] = LayoutFromBlocked(cb) {block=4}
          r: float32[1,4,2,2] = Relu(c)
          y: float32[1,4,2,2] = LayoutFromBlocked(yb) {block=4}
          return y, r
        }
        """);

    [Fact]
    public void ChannelCountsThatAreNotAMultipleOfTheBlockStayPlain() => Unchanged(Pass, $$"""
        graph g(x: float32[1,3,2,2]) {
          const w: float32[4,3,1,1] = [0,1,2,3,4,5,6,7,8,9,10,11]
          y: float32[1,4,2,2] = Conv(x, w) {{{Conv1x1}}}
          return y
        }
        """);

    [Fact]
    public void TheMinimumChannelCountIsAnOption() => Unchanged(Pass, $$"""
        graph g(x: float32[1,4,2,2]) {
          {{Weights}}
          y: float32[1,4,2,2] = Conv(x, w) {{{Conv1x1}}}
          return y
        }
        """, ("MinChannels", "8"));
}
