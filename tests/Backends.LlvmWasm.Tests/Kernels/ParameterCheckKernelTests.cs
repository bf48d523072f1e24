using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>
/// CheckParameter alone, from IR text: two specialisations (a and b), candidates [1] and [-1] → a, [2] → b. The kernel
/// must copy the matching specialisation's result, trap on any other value, and take a float value only when it is
/// exactly one of the integers. A trap names the node, op and input through the check's name (NODE/OP.INPUT).
/// </summary>
public class ParameterCheckKernelTests
{
    private static Graph Check(string valueType) => GraphText.Parse($$"""
        graph g(v: {{valueType}}[1], a: float32[3], b: float32[3]) {
          y: float32[3] = CheckParameter(v, a, b) {candidates=[1,-1,2], groups=[0,0,1], input="axes", op="ReduceSum"}  # "Sum_0/ReduceSum.axes"
          return y
        }
        """);

    private static readonly TensorData A = TensorData.FromFloats(new Shape(3), [1f, 2f, 3f]);
    private static readonly TensorData B = TensorData.FromFloats(new Shape(3), [4f, 5f, 6f]);

    [Theory]
    [InlineData(1L, 0)]
    [InlineData(-1L, 0)]
    [InlineData(2L, 1)]
    public void ItPassesOnTheResultOfTheSpecialisationTheValueBelongsTo(long value, int group)
    {
        var outputs = WasmPipeline.CompileAndRun(Check("int64"),
            new Dictionary<string, TensorData> { ["v"] = TensorData.FromInt64s(new Shape(1), [value]), ["a"] = A, ["b"] = B });

        TensorAssert.Exact(group == 0 ? A : B, outputs["y"], "y");
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(3L)]
    [InlineData(long.MinValue)]
    public void ItStopsTheRunOnAnyOtherValue(long value)
    {
        var inputs = new Dictionary<string, TensorData> { ["v"] = TensorData.FromInt64s(new Shape(1), [value]), ["a"] = A, ["b"] = B };

        var error = Assert.ThrowsAny<WasmGraphException>(() => WasmPipeline.CompileAndRun(Check("int64"), inputs));
        Assert.Contains("node 'Sum_0', op ReduceSum: the run-time value of input 'axes' contradicts", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2f, true)]
    [InlineData(2.5f, false)]
    [InlineData(float.NaN, false)]
    public void AFloatValueMatchesOnlyAsAnExactInteger(float value, bool accepted)
    {
        var inputs = new Dictionary<string, TensorData> { ["v"] = TensorData.FromFloats(new Shape(1), [value]), ["a"] = A, ["b"] = B };

        if (accepted)
        {
            TensorAssert.Exact(B, WasmPipeline.CompileAndRun(Check("float32"), inputs)["y"], "y");
        }
        else
        {
            Assert.ThrowsAny<WasmGraphException>(() => WasmPipeline.CompileAndRun(Check("float32"), inputs));
        }
    }
}
