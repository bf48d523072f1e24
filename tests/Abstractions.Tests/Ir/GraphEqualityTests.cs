using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Abstractions.Tests.Ir;

public class GraphEqualityTests
{
    private const string Base = """
        graph g(x: float32[4]) {
          const c: float32[4] = [1,2,3,4]
          t: float32[4] = Add(x, c)  # add
          y: float32[4] = Relu(t)  # relu
          return y
        }
        """;

    private static string? Difference(string expected, string actual, GraphComparison comparison = GraphComparison.Exact)
        => GraphEquality.FirstDifference(GraphText.Parse(expected), GraphText.Parse(actual), comparison);

    [Fact]
    public void AGraphEqualsItsOwnText() => Assert.Null(Difference(Base, Base));

    [Fact]
    public void RenamedInternalValuesAndNodesAreEqualOnlyUpToRenaming()
    {
        var renamed = Base.Replace("t: ", "sum: ").Replace("Relu(t)", "Relu(sum)").Replace("c: ", "k: ").Replace("x, c", "x, k").Replace("# add", "# other");

        Assert.Null(Difference(Base, renamed, GraphComparison.UpToRenaming));
        Assert.Equal("node 0 differs: named 'other', expected 'add'\n  expected: t: float32[4] = Add(x, c)  # add\n  actual:   sum: float32[4] = Add(x, k)  # other",
                     Difference(Base, renamed));
    }

    [Fact]
    public void RenamingKeepsTheInterfaceNames()
    {
        var renamedOutput = Base.Replace("y: ", "out: ").Replace("return y", "return out");

        Assert.Equal("node 1 differs: output 0: is 'out', expected 'y'\n  expected: y: float32[4] = Relu(t)  # relu\n  actual:   out: float32[4] = Relu(t)  # relu",
                     Difference(Base, renamedOutput, GraphComparison.UpToRenaming));
    }

    [Fact]
    public void TwoNamesCannotStandForOne()
    {
        const string twoValues = """
            graph g(x: float32[4]) {
              a: float32[4] = Relu(x)
              b: float32[4] = Relu(x)
              y: float32[4] = Add(a, b)
              return y
            }
            """;
        var sameValue = twoValues.Replace("Add(a, b)", "Add(a, a)");

        Assert.Contains("input 1: reads 'a' where 'b' was expected", Difference(twoValues, sameValue, GraphComparison.UpToRenaming));
    }

    [Theory]
    [InlineData("[1,2,3,4]", "[1,2,3,5]", "input 1: constant 'c' holds [1,2,3,5], expected [1,2,3,4]")]
    [InlineData("Relu(t)  # relu", "Sigmoid(t)  # relu", "node 1 differs: op Sigmoid, expected Relu")]
    [InlineData("Relu(t)  # relu", "Relu(t) {alpha=0.5}  # relu", "attribute 'alpha' is 0.5, expected absent")]
    [InlineData("y: float32[4] = Relu", "y: float16[4] = Relu", "output 0: 'y' has type float16[4], expected float32[4]")]
    [InlineData("graph g(", "graph h(", "the graph is named 'h', expected 'g'")]
    [InlineData("  return y", "  meta opset = \"13\"\n  return y", "metadata 'opset' is \"13\", expected absent")]
    [InlineData("  y: float32[4] = Relu(t)  # relu\n", "", "the graph has 1 nodes, expected 2; first missing node:\n  y: float32[4] = Relu(t)  # relu")]
    public void TheFirstDifferenceIsDescribed(string from, string to, string expected)
    {
        var actual = Base.Replace(from, to);
        if (to.Length == 0)
        {
            actual = actual.Replace("return y", "return t");
        }

        Assert.Contains(expected, Difference(Base, actual));
    }

    [Fact]
    public void FloatAttributesCompareByTheirBits()
    {
        Assert.False(GraphEquality.SameAttribute(AttributeValue.Of(0f), AttributeValue.Of(-0f)));
        Assert.True(GraphEquality.SameAttribute(AttributeValue.Of(float.NaN), AttributeValue.Of(float.NaN)));
    }

    [Fact]
    public void AMemoryPlanIsPartOfTheStructure()
    {
        var planned = Base.Replace("  return y\n", "  return y\n  memory: arena 128 bytes, alignment 64\n    x [0, 16)\n    t [64, 80)\n    y [0, 16)\n");

        Assert.Equal("the graph has a memory plan, expected none", Difference(Base, planned));
        Assert.Equal("'y' is at [64, 80) in the memory plan, expected [0, 16)", Difference(planned, planned.Replace("y [0, 16)", "y [64, 80)")));
    }
}
