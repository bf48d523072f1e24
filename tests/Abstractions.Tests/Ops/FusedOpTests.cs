using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;

namespace WasmGraph.Abstractions.Tests.Ops;

/// <summary>Fused ops are registry ops: inference checks every operand and attribute they add, so --verify-each sees them.</summary>
public class FusedOpTests
{
    private static readonly TensorType Input = new(DataType.Float32, new Shape(1, 2, 5, 5));
    private static readonly TensorType Output = new(DataType.Float32, new Shape(1, 3, 5, 5));

    private static readonly Attributes ConvAttributes = Attributes.Empty
        .With("kernel_shape", [3L, 3]).With("strides", [1L, 1]).With("dilations", [1L, 1]).With("pads", [1L, 1, 1, 1]).With("group", 1L);

    /// <summary>x → FusedConv(x, w, "", residual) → y, with the residual a graph input of type <paramref name="residual"/>.</summary>
    private static Graph Conv(TensorType residual, string op = FusedOps.Conv, Attributes? attributes = null)
    {
        var b = new GraphBuilder("fused");
        b.AddInput("x", Input);
        b.AddInput("shortcut", residual);
        b.AddConstant("w", TensorData.FromFloats(new Shape(3, 2, 3, 3), new float[54]));
        b.AddNode(op, ["x", "w", "", "shortcut"], [("y", Output)], attributes ?? ConvAttributes, "conv");
        b.Outputs.Add("y");
        return b.Build();
    }

    private static IReadOnlyList<string> Problems(Graph graph) => GraphVerifier.Check(graph, OpRegistry.Default);

    [Fact]
    public void AFusedConvWithAResidualOfTheOutputsTypeVerifies()
        => Assert.Empty(Problems(Conv(Output, attributes: ConvAttributes.With(FusedOps.Activation, "Relu"))));

    [Fact]
    public void AResidualOfTheWrongShapeIsRejected()
        => Assert.Contains(Problems(Conv(Output with { Shape = new Shape(1, 3, 5, 4) })),
                           p => p.Contains("the residual (input 3) is float32[1,3,5,4]; it must have the output's type float32[1,3,5,5]"));

    [Fact]
    public void AResidualOfTheWrongElementTypeIsRejected()
        => Assert.Contains(Problems(Conv(Output with { ElementType = DataType.Float64 })), p => p.Contains("the residual (input 3) is float64"));

    [Fact]
    public void APlainConvTakesNoResidual()
        => Assert.Contains(Problems(Conv(Output, op: "Conv")), p => p.Contains("a residual input makes it FusedConv"));

    [Fact]
    public void AnActivationMustBeARegisteredActivationWithItsParameters()
    {
        Assert.Contains(Problems(Conv(Output, attributes: ConvAttributes.With(FusedOps.Activation, "Tanh"))),
                        p => p.Contains("attribute 'activation' is \"Tanh\", not one of Clip, Relu, Sigmoid"));
        Assert.Contains(Problems(Conv(Output, attributes: ConvAttributes.With(FusedOps.Activation, "Clip").With(FusedOps.ActivationParameter("min"), 0f))),
                        p => p.Contains("activation Clip needs attribute 'activation_max'"));
        Assert.Empty(Problems(Conv(Output, attributes: ConvAttributes.With(FusedOps.Activation, "Clip")
                                                      .With(FusedOps.ActivationParameter("min"), 0f).With(FusedOps.ActivationParameter("max"), 6f))));
    }

    [Fact]
    public void AFusedGemmTakesNoResidual()
    {
        var matrix = new TensorType(DataType.Float32, new Shape(2, 3));
        var b = new GraphBuilder("gemm");
        b.AddInput("a", matrix);
        b.AddInput("r", matrix);
        b.AddConstant("w", TensorData.FromFloats(new Shape(3, 3), new float[9]));
        b.AddNode(FusedOps.Gemm, ["a", "w", "", "r"], [("y", matrix)],
                  Attributes.Empty.With("alpha", 1f).With("beta", 1f).With("transA", 0L).With("transB", 0L).With(FusedOps.Activation, "Relu"), "gemm");
        b.Outputs.Add("y");
        Assert.Contains(Problems(b.Build()), p => p.Contains("FusedGemm takes no residual"));
    }

    [Fact]
    public void TheFusionRolesComeFromTheOpDefinitions()
    {
        Assert.Equal(["Clip", "Relu", "Sigmoid"], StandardOps.FusedActivations.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("Relu", StandardOps.FusibleUnary);
        Assert.DoesNotContain("Clip", StandardOps.FusibleUnary); // it has parameters
        Assert.Equal(["Add", "Div", "Mul", "Pow", "Sub"], StandardOps.FusibleBinary.Order(StringComparer.Ordinal));
        Assert.Equal(FusedOps.Conv, OpRegistry.Default.Get("Conv").FusedForm);
        Assert.Equal(FusedOps.Conv, OpRegistry.Default.Get(FusedOps.Conv).FusedForm);
        Assert.Null(OpRegistry.Default.Get("Add").FusedForm);
    }

    [Fact]
    public void EveryFusedFormIsARegisteredOpThatTakesAnActivation()
    {
        foreach (var op in OpRegistry.Default.All.Where(o => o.FusedForm is not null))
        {
            var fused = OpRegistry.Default.Get(op.FusedForm!);
            Assert.Equal(FusionKind.OutElementwiseFusable, fused.Fusion);
            Assert.Equal(fused.Name, fused.FusedForm);
            Assert.True(op.RequiredAttributes.ToImmutableHashSet().IsSubsetOf(fused.RequiredAttributes), $"{fused.Name} lacks attributes of {op.Name}");
        }
    }
}
