using System.Collections.Immutable;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Samples.OpPlugin;

/// <summary>
/// <c>Swish(x) = x · sigmoid(beta · x)</c> (SiLU when beta is 1), as the custom ONNX op <c>com.example::Swish</c> with a
/// float attribute <c>beta</c> (default 1). Everything the compiler needs is in one <see cref="OpDefinition"/>:
/// <list type="bullet">
/// <item>type inference (the input's type), so <c>--verify-each</c> checks it after every pass;</item>
/// <item>an evaluator, so fold-constants folds it on constants;</item>
/// <item>the ONNX import, from the file's node to the IR op with its canonical attribute;</item>
/// <item>a decomposition into standard ops (Mul, Sigmoid), which a backend without a Swish kernel runs instead.</item>
/// </list>
/// Only <c>WasmGraph.Abstractions</c> types cross the plugin boundary, so the same plugin works with any frontend that
/// honours <see cref="OpDefinition.Imports"/> and any backend that runs decompositions.
/// </summary>
public static class SwishOp
{
    public const string Domain = "com.example";

    // Opaque, not Elementwise: the fused kernels know only their own ops' lowerings, and Swish reaches the backend as its
    // decomposition, so no pass may fold it into a fused group.
    public static OpDefinition Definition { get; } = new("Swish", FusionKind.Opaque, InferTypes, "x * sigmoid(beta * x), from com.example::Swish")
    {
        ElementTypes = [DataType.Float32],
        RequiredAttributes = ["beta"],
        Evaluate = Evaluate,
        Imports = [new OpImport(Domain, "Swish", Import)],
        Decomposition = Decompose,
    };

    private static ImmutableArray<TensorType> InferTypes(InferenceContext context)
    {
        if (context.InputCount != 1)
        {
            throw context.Error($"takes one input, not {context.InputCount}");
        }
        return [context.Input(0)];
    }

    private static float Beta(Node node) => node.Attributes.GetFloat("beta");

    private static ImmutableArray<TensorData> Evaluate(Node node, ImmutableArray<TensorData?> inputs, ImmutableArray<TensorType> outputTypes)
    {
        float beta = Beta(node);
        var y = inputs[0]!.ToFloatArray().Select(x => x / (1f + MathF.Exp(-beta * x))).ToArray();
        return [TensorData.FromFloats(outputTypes[0].Shape, y)];
    }

    /// <summary>The file's node as one IR Swish node; the default beta is filled in, so the IR form always carries it.</summary>
    private static IReadOnlyList<Node> Import(SourceNode node)
        => [node.As("Swish", Attributes.Empty.With("beta", node.Attributes.GetFloat("beta", 1f)))];

    /// <summary>x · sigmoid(beta · x) as Mul, Sigmoid and Mul (the first Mul only when beta is not 1).</summary>
    private static IReadOnlyList<Node> Decompose(Node node, DecompositionContext context)
    {
        string x = node.Inputs[0];
        var nodes = new List<Node>();
        string scaled = x;
        if (Beta(node) != 1f)
        {
            var beta = context.AddConstant("beta", TensorData.FromFloats(Shape.Scalar, [Beta(node)]));
            scaled = context.FreshName("scaled");
            nodes.Add(new Node("", "Mul", [x, beta], [scaled], Attributes.Empty));
        }
        var gate = context.FreshName("gate");
        nodes.Add(new Node("", "Sigmoid", [scaled], [gate], Attributes.Empty));
        nodes.Add(new Node("", "Mul", [x, gate], [node.Outputs[0]], Attributes.Empty));
        return nodes;
    }
}

/// <summary>Plugin entry point: adds Swish to the host's op registry.</summary>
public sealed class OpPluginFactory : IPluginFactory
{
    public void Configure(IServiceCollection services, IConfiguration configuration) => services.AddOps(SwishOp.Definition);
}
