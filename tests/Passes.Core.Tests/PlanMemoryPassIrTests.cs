using static WasmGraph.Passes.Core.Tests.IrTestCase;

namespace WasmGraph.Passes.Core.Tests;

/// <summary>
/// The plan is an annotation: the nodes stay, and the expected text gives each value's bytes. Lifetimes are inclusive
/// (a node's output never shares its inputs' bytes), graph inputs live from before the first node and graph outputs
/// until after the last, for the host to write and read.
/// </summary>
public class PlanMemoryPassIrTests
{
    private static readonly PlanMemoryPass Pass = new();

    private const string Chain = """
          a: float32[16] = Relu(x)
          b: float32[16] = Neg(a)
          c: float32[16] = Exp(b)
          y: float32[16] = Sigmoid(c)
          return y
        """;

    [Fact]
    public void AChainReusesTheBytesOfValuesThatAreDead() => Check(Pass, $$"""
        graph g(x: float32[16]) {
        {{Chain}}
        }
        """, $$"""
        graph g(x: float32[16]) {
        {{Chain}}
          memory: arena 192 bytes, alignment 64
            x [0, 64)
            a [64, 128)
            c [64, 128)
            b [128, 192)
            y [128, 192)
        }
        """);

    [Fact]
    public void AValueReadTwiceStaysLiveUntilItsLastReader() => Check(Pass, """
        graph g(x: float32[16]) {
          a: float32[16] = Relu(x)
          b: float32[16] = Neg(a)
          y: float32[16] = Add(a, b)
          return y
        }
        """, """
        graph g(x: float32[16]) {
          a: float32[16] = Relu(x)
          b: float32[16] = Neg(a)
          y: float32[16] = Add(a, b)
          return y
          memory: arena 256 bytes, alignment 64
            x [0, 64)
            a [64, 128)
            b [128, 192)
            y [192, 256)
        }
        """);

    [Fact]
    public void TheAlignmentIsAnOption() => Check(Pass, """
        graph g(x: float32[4]) {
          a: float32[4] = Relu(x)
          y: float32[4] = Neg(a)
          return y
        }
        """, """
        graph g(x: float32[4]) {
          a: float32[4] = Relu(x)
          y: float32[4] = Neg(a)
          return y
          memory: arena 384 bytes, alignment 128
            x [0, 16)
            a [128, 144)
            y [256, 272)
        }
        """, ("Alignment", "128"));
}
