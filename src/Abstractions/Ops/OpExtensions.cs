using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Abstractions.Ops;

/// <summary>
/// A node as a model file writes it, handed to an <see cref="OpImport"/>: the frontend has already resolved its inputs to
/// IR values and turned its attributes into IR attributes, so an importer needs nothing from the frontend's own types
/// (which a plugin, in its own load context, cannot see). Omitted optional inputs are empty strings.
/// </summary>
public sealed class SourceNode
{
    private readonly Func<string, string> _freshName;

    public SourceNode(string name, string domain, string opType, int domainVersion, ImmutableArray<string> inputs,
                      ImmutableArray<string> outputs, Attributes attributes, Func<string, string> freshName)
    {
        Name = name;
        Domain = domain;
        OpType = opType;
        DomainVersion = domainVersion;
        Inputs = inputs;
        Outputs = outputs;
        Attributes = attributes;
        _freshName = freshName;
    }

    public string Name { get; }

    /// <summary>The op's domain as the file writes it ("com.example").</summary>
    public string Domain { get; }

    public string OpType { get; }

    /// <summary>The version of <see cref="Domain"/> the model imports (0 when it imports none).</summary>
    public int DomainVersion { get; }

    /// <summary>IR values the node reads, already defined in the graph being built.</summary>
    public ImmutableArray<string> Inputs { get; }

    /// <summary>Names the imported nodes must define (some of them may be empty: outputs the file leaves unnamed).</summary>
    public ImmutableArray<string> Outputs { get; }

    public Attributes Attributes { get; }

    /// <summary>A fresh value name for an intermediate result of a multi-node import.</summary>
    public string FreshName(string hint) => _freshName(hint);

    /// <summary>The usual import: one IR node of <paramref name="op"/> reading and defining the file's values.</summary>
    public Node As(string op, Attributes attributes) => new(Name, op, Inputs, Outputs, attributes);
}

/// <summary>
/// How frontends read op <see cref="OpType"/> of <see cref="Domain"/> into IR nodes (types are inferred by the registry
/// afterwards, so an importer only names ops, values and attributes). The default ONNX domain is "".
/// </summary>
public sealed record OpImport(string Domain, string OpType, Func<SourceNode, IReadOnlyList<Node>> Import);

/// <summary>What a <see cref="Decompose"/> function may add besides nodes: fresh value names and constants.</summary>
public sealed class DecompositionContext
{
    private readonly GraphBuilder _builder;
    private readonly string _prefix;

    internal DecompositionContext(GraphBuilder builder, string prefix)
    {
        _builder = builder;
        _prefix = prefix;
    }

    /// <summary>A fresh name for an intermediate value.</summary>
    public string FreshName(string hint) => _builder.FreshName($"{_prefix}/{hint}");

    /// <summary>Adds a constant (a scale, a table) to the graph and returns its value name.</summary>
    public string AddConstant(string hint, TensorData data) => _builder.AddConstant(FreshName(hint), data);
}

/// <summary>
/// Writes <paramref name="node"/> as nodes of other registry ops: they read the node's inputs (and constants added
/// through <paramref name="context"/>), define its outputs, and name intermediate values with
/// <see cref="DecompositionContext.FreshName"/>. A backend with no kernel of its own for the op runs these instead (see
/// <see cref="Decompositions"/>); their node names are assigned by the expansion.
/// </summary>
public delegate IReadOnlyList<Node> Decompose(Node node, DecompositionContext context);

/// <summary>How plugins contribute ops: the host folds every registered <see cref="OpDefinition"/> into its <see cref="OpRegistry"/>.</summary>
public static class OpServiceCollectionExtensions
{
    /// <summary>Adds <paramref name="ops"/> to the host's op registry; a name that is already defined is a start-up error.</summary>
    public static IServiceCollection AddOps(this IServiceCollection services, params OpDefinition[] ops)
    {
        foreach (var op in ops)
        {
            services.AddSingleton(op);
        }
        return services;
    }
}
