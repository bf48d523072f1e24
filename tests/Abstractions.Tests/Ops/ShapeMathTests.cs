using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;

namespace WasmGraph.Abstractions.Tests.Ops;

public class ShapeMathTests
{
    [Theory]
    [InlineData(new long[] { 2, 3, 4 }, new long[] { 3, 1 }, new long[] { 2, 3, 4 })]
    [InlineData(new long[] { 1, 4, 1 }, new long[] { 3, 1, 6 }, new long[] { 3, 4, 6 })]
    [InlineData(new long[] { 5 }, new long[0], new long[] { 5 })]
    public void ItBroadcastsLikeNumPy(long[] a, long[] b, long[] expected)
        => Assert.Equal(new Shape(expected), ShapeMath.Broadcast(new Shape(a), new Shape(b)));

    [Fact]
    public void ItRejectsIncompatibleBroadcasts() => Assert.Null(ShapeMath.Broadcast(new Shape(2, 3), new Shape(4)));

    [Theory]
    [InlineData(224, 7, 2, 1, 3, 2, false, 112)] // ResNet stem with asymmetric pads
    [InlineData(112, 3, 2, 1, 1, 1, false, 56)]
    [InlineData(10, 3, 2, 1, 0, 1, true, 5)]
    [InlineData(5, 2, 2, 1, 0, 0, true, 3)]
    [InlineData(6, 3, 3, 1, 1, 1, true, 3)]     // a last window starting in the end padding is dropped
    public void ItComputesSlidingWindowOutputs(long input, long kernel, long stride, long dilation, long begin, long end, bool ceil, long expected)
        => Assert.Equal(expected, ShapeMath.WindowOutput(input, kernel, stride, dilation, begin, end, ceil));
}
