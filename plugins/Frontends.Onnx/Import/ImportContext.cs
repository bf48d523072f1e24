using System.Collections.Immutable;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import;

/// <summary>
/// What an op importer works with: the graph being built, the mapping from ONNX value names to IR values (which
/// differ only where an Identity or Dropout was removed, or inside an inlined subgraph), and helpers that emit
/// canonical IR nodes with their types inferred at once, so every later importer sees static shapes.
/// <para>
/// A subgraph (the body of If, Loop, Scan) is imported in a child context (<see cref="ForSubgraph"/>): its own
/// bindings map the body's names to the fresh IR values of one inlining, and any other name is looked up in the
/// enclosing scopes, which is how a body reads outer-scope values.
/// </para>
/// </summary>
internal sealed class ImportContext
{
    private readonly Dictionary<string, string> _aliases;
    private readonly HashSet<string> _used;
    private readonly IReadOnlyDictionary<string, string>? _bindings;
    private readonly ImportContext? _parent;
    private readonly Action<OnnxNode, ImportContext> _importNode;
    private readonly ConstantResolver _resolver;

    /// <summary>
    /// Values <see cref="RunTimeParameters"/> asks an importer to assume for a run-time input (IR name → value): the
    /// importer specialises on it as on a constant, and a CheckParameter node checks the run-time value against it.
    /// </summary>
    private readonly Dictionary<string, TensorData> _assumed;

    public ImportContext(GraphBuilder builder, string file, int opset, HashSet<string> usedValues, LimitChecker limits, OpRegistry registry,
                         Action<OnnxNode, ImportContext> importNode)
    {
        Limits = limits;
        Registry = registry;
        Builder = builder;
        File = file;
        Opset = opset;
        _used = usedValues;
        _aliases = new(StringComparer.Ordinal);
        _importNode = importNode;
        _resolver = new ConstantResolver(builder, registry);
        _assumed = new(StringComparer.Ordinal);
    }

    private ImportContext(ImportContext parent, IReadOnlyDictionary<string, string> bindings, HashSet<string> usedValues)
    {
        Limits = parent.Limits;
        Registry = parent.Registry;
        Builder = parent.Builder;
        File = parent.File;
        Opset = parent.Opset;
        _used = usedValues;
        _aliases = parent._aliases;
        _importNode = parent._importNode;
        _resolver = parent._resolver;
        _assumed = parent._assumed;
        DeclaredTypes = parent.DeclaredTypes;
        IsTrial = parent.IsTrial;
        _bindings = bindings;
        _parent = parent;
    }

    /// <summary>
    /// The static types the model declares for its values (graph outputs and value_info with every dimension fixed),
    /// by ONNX name: what a node's output must be when one of its shape-deciding inputs is a run-time value.
    /// </summary>
    public IReadOnlyDictionary<string, TensorType> DeclaredTypes { get; init; } = new Dictionary<string, TensorType>();

    /// <summary>Whether this is a scratch import made by <see cref="ForTrial"/> (which never starts trials of its own).</summary>
    public bool IsTrial { get; private init; }

    /// <summary>
    /// A context over a fresh builder that holds only <paramref name="node"/>'s inputs (constants stay constants, the
    /// rest are graph inputs of the same types), assuming <paramref name="assumed"/> for the IR values in it: importing
    /// the node there shows what a value of a run-time input would make of it, without touching the real graph.
    /// </summary>
    public ImportContext ForTrial(OnnxNode node, IReadOnlyDictionary<string, TensorData> assumed)
    {
        var builder = new GraphBuilder("trial");
        var bindings = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            if (!node.HasInput(i) || bindings.ContainsKey(node.Inputs[i]))
            {
                continue;
            }
            var name = Input(node, i);
            bindings[node.Inputs[i]] = name;
            if (builder.Types.ContainsKey(name))
            {
                continue;
            }
            if (Builder.Constants.TryGetValue(name, out var constant))
            {
                builder.AddConstant(name, constant);
            }
            else
            {
                builder.AddInput(name, Builder.Types[name]);
            }
        }
        var trial = new ImportContext(builder, File, Opset, _used, Limits, Registry, _importNode) { DeclaredTypes = DeclaredTypes, IsTrial = true };
        foreach (var (name, value) in assumed)
        {
            trial._assumed[name] = value;
        }
        return trial.ForSubgraph(bindings, _used);
    }

    /// <summary>Assumes <paramref name="value"/> for the run-time IR value <paramref name="irName"/> until <see cref="Forget"/>.</summary>
    public void Assume(string irName, TensorData value) => _assumed[irName] = value;

    public void Forget(string irName) => _assumed.Remove(irName);

    /// <summary>
    /// A scope for one inlining of a subgraph: <paramref name="bindings"/> maps each name the body defines (formal
    /// inputs, initializers, node outputs) to its IR value; <paramref name="usedValues"/> are the IR names the body reads.
    /// </summary>
    public ImportContext ForSubgraph(IReadOnlyDictionary<string, string> bindings, HashSet<string> usedValues) => new(this, bindings, usedValues);

    /// <summary>Imports one node through the op table in this context (control-flow importers inline bodies with it).</summary>
    public void ImportNode(OnnxNode node) => _importNode(node, this);

    public GraphBuilder Builder { get; }

    /// <summary>The ops nodes are emitted as (the host's registry, with the ops plugins added).</summary>
    public OpRegistry Registry { get; }

    /// <summary>Size limits; an importer that materialises a tensor from a shape checks it here before allocating.</summary>
    public LimitChecker Limits { get; }
    public string File { get; }

    /// <summary>The default-domain opset the model imports.</summary>
    public int Opset { get; }

    /// <summary>Whether any node or graph output reads this ONNX value (used to refuse training-only outputs).</summary>
    public bool IsUsed(string onnxName) => onnxName.Length > 0 && _used.Contains(onnxName);

    /// <summary>The IR value an ONNX name stands for: bound by the innermost scope that defines it, after alias removal.</summary>
    public string Resolve(string onnxName)
    {
        for (var scope = this; scope is not null; scope = scope._parent)
        {
            if (scope._bindings is not null && scope._bindings.TryGetValue(onnxName, out var bound))
            {
                onnxName = bound;
                break;
            }
        }
        return _aliases.TryGetValue(onnxName, out var target) ? target : onnxName;
    }

    public bool IsDefined(string irName) => Builder.Types.ContainsKey(irName);

    /// <summary>The IR value for input <paramref name="index"/>, checked to be defined already.</summary>
    public string Input(OnnxNode node, int index)
    {
        if (!node.HasInput(index))
        {
            throw Error(node, $"input {index} is required");
        }
        var name = Resolve(node.Inputs[index]);
        if (!IsDefined(name))
        {
            throw Error(node, $"reads '{node.Inputs[index]}', which is not defined before this node");
        }
        return name;
    }

    public TensorType InputType(OnnxNode node, int index) => Builder.Types[Input(node, index)];

    public Shape InputShape(OnnxNode node, int index) => InputType(node, index).Shape;

    /// <summary>
    /// An input the compiler needs at compile time (it decides a shape, an axis, the unrolled program), or null if the
    /// input is absent. The decision is made after folding: everything the value is computed from has been folded as it
    /// was imported, and what was left as a kernel for its size is folded now (<see cref="ConstantResolver"/>). A value
    /// that still is not constant is a <see cref="ModelException"/> naming the file, node, op and input, what keeps it
    /// at run time, and the flag that freezes it.
    /// </summary>
    public TensorData? OptionalConstant(OnnxNode node, int index, string role)
    {
        if (!node.HasInput(index))
        {
            return null;
        }
        var name = Input(node, index);
        return Builder.Constants.TryGetValue(name, out var data)
            ? data
            : _resolver.TryResolve(name) ?? _assumed.GetValueOrDefault(name) ?? throw new RunTimeParameterRequest(node, index, role, unsupported: false);
    }

    /// <summary>
    /// As <see cref="OptionalConstant"/>, for inputs that a valid model may compute at run time but WasmGraph needs at
    /// compile time (output shapes, DFT lengths): a non-constant one is unsupported rather than an error.
    /// </summary>
    public TensorData? OptionalParameter(OnnxNode node, int index, string role)
    {
        if (!node.HasInput(index))
        {
            return null;
        }
        var name = Input(node, index);
        return Builder.Constants.TryGetValue(name, out var data)
            ? data
            : _resolver.TryResolve(name) ?? _assumed.GetValueOrDefault(name) ?? throw new RunTimeParameterRequest(node, index, role, unsupported: true);
    }

    /// <summary>
    /// The value of input <paramref name="index"/> when it is known at compile time after folding, else null: for
    /// importers that specialise on a constant and otherwise emit a run-time form (Conv's packed and non-packed weights).
    /// </summary>
    public TensorData? TryConstant(OnnxNode node, int index)
    {
        if (!node.HasInput(index))
        {
            return null;
        }
        var name = Input(node, index);
        return Builder.Constants.TryGetValue(name, out var data) ? data : _resolver.TryResolve(name);
    }

    /// <summary>
    /// The error for a value that must be known at compile time and is not, once <see cref="RunTimeParameters"/> could
    /// not take it at run time either (<paramref name="why"/> says why not; null when it did not try).
    /// </summary>
    public Exception NotConstantError(RunTimeParameterRequest request, string? why)
    {
        var message = NotConstant(request.Node, request.Index, request.Role) + (why is null ? "" : $"; {why}");
        return request.IsUnsupported ? Unsupported(request.Node, message) : Error(request.Node, message);
    }

    /// <summary>What <see cref="OptionalConstant"/> says when a value is not known at compile time.</summary>
    private string NotConstant(OnnxNode node, int index, string role)
    {
        var (inputs, unevaluable) = _resolver.WhyNotConstant(Input(node, index));
        string what = $"input '{role}' ('{node.Inputs[index]}') must be known at compile time (WasmGraph compiles static shapes)";
        if (inputs.Count > 0)
        {
            string listed = string.Join(", ", inputs.Select(i => $"'{i}'"));
            string example = string.Join(" ", inputs.Select(i => $"--bind {i}={i}.npy"));
            string source = inputs.Count == 1 && inputs[0] == Input(node, index)
                ? $"it is the graph input {listed}"
                : $"it is computed from the graph input{(inputs.Count > 1 ? "s" : "")} {listed}";
            return $"{what}, but {source}; freeze {(inputs.Count > 1 ? "them" : "it")} to a value with {example} (--input-shape pins dimensions, not values)";
        }
        return unevaluable is not null
            ? $"{what}, but it is computed by node '{unevaluable.Name}' (op {unevaluable.Op}), which is not evaluated at compile time"
            : $"{what}, but it is not a constant";
    }

    public TensorData Constant(OnnxNode node, int index, string role)
        => OptionalConstant(node, index, role) ?? throw Error(node, $"input '{role}' is required");

    /// <summary>Makes <paramref name="onnxName"/> stand for an existing IR value (Identity, inference-mode Dropout).</summary>
    public void Alias(OnnxNode node, string onnxName, string irValue)
    {
        CheckUnused(node, onnxName);
        _aliases[onnxName] = irValue;
    }

    public void AddConstant(OnnxNode node, string onnxName, TensorData data)
    {
        CheckUnused(node, onnxName);
        Builder.AddConstant(onnxName, data);
    }

    /// <summary>A fresh IR value name for an intermediate result of a multi-node import.</summary>
    public string Temp(OnnxNode node, string hint) => Builder.FreshName($"{node.Name}/{hint}");

    /// <summary>
    /// Adds one canonical IR node, infers its output types with the op registry and records them.
    /// <paramref name="part"/> distinguishes the extra IR nodes of a one-to-many import in the node name.
    /// </summary>
    public ImmutableArray<TensorType> Emit(OnnxNode node, string op, IEnumerable<string> inputs, IEnumerable<string> outputs, IrAttributes attributes, string? part = null)
        => Emit(node, new Node(part is null ? node.Name : $"{node.Name}/{part}", op, inputs.ToImmutableArray(), outputs.ToImmutableArray(), attributes));

    /// <summary>Adds one IR node made for <paramref name="node"/>, as <see cref="Emit(OnnxNode, string, IEnumerable{string}, IEnumerable{string}, IrAttributes, string?)"/>.</summary>
    public ImmutableArray<TensorType> Emit(OnnxNode node, Node irNode)
    {
        var outs = irNode.Outputs;
        foreach (var output in outs)
        {
            CheckUnused(node, output);
        }
        // Inference errors name the node and op; the importer adds the file.
        var types = Registry.Infer(irNode, v => Builder.Types.GetValueOrDefault(v), v => Builder.Constants.GetValueOrDefault(v));
        // Checked before folding, which would allocate the outputs.
        for (int i = 0; i < outs.Length; i++)
        {
            Limits.CheckType(types[i], $"output '{outs[i]}' ({types[i]})", node.Name, node.OpType);
        }
        // Fold as we go: exporters compute shapes with Shape → Gather → Concat programs, and the importers of
        // Reshape, Expand, Slice… need those results as constants.
        if (ConstantFolder.TryFold(irNode, Registry, types, v => Builder.Constants.GetValueOrDefault(v)) is { } folded)
        {
            for (int i = 0; i < outs.Length; i++)
            {
                Builder.AddConstant(outs[i], folded[i]);
            }
            return types;
        }
        for (int i = 0; i < outs.Length; i++)
        {
            Builder.SetType(outs[i], types[i]);
        }
        Builder.Nodes.Add(irNode);
        return types;
    }

    /// <summary>Emits a node with the same ONNX inputs and first output, for ops whose canonical form is the ONNX form.</summary>
    public void EmitDirect(OnnxNode node, string op, IrAttributes attributes, int inputCount)
    {
        var inputs = Enumerable.Range(0, inputCount).Where(node.HasInput).Select(i => Input(node, i)).ToList();
        if (node.HasInput(inputCount))
        {
            throw Error(node, $"has more than {inputCount} inputs");
        }
        Emit(node, op, inputs, [FirstOutput(node)], attributes);
    }

    public string FirstOutput(OnnxNode node)
        => node.HasOutput(0) ? node.Outputs[0] : throw Error(node, "has no output");

    /// <summary>Refuses a node whose optional extra outputs (training statistics, indices, masks) something reads.</summary>
    public void RefuseUsedOutputs(OnnxNode node, int firstExtra, string what)
    {
        for (int i = firstExtra; i < node.Outputs.Count; i++)
        {
            if (IsUsed(node.Outputs[i]))
            {
                throw Unsupported(node, $"output {i} ('{node.Outputs[i]}', {what}) is used; only the inference-mode output is supported");
            }
        }
    }

    public ModelException Error(OnnxNode node, string message) => new(message, file: File, node: node.Name, op: node.OpType);

    public UnsupportedOpException Unsupported(OnnxNode node, string? detail = null)
        => new(node.OpType, Opset, node.Name, File, detail);

    private void CheckUnused(OnnxNode node, string name)
    {
        if (name.Length == 0)
        {
            throw Error(node, "has an output with an empty name");
        }
        if (IsDefined(name) || _aliases.ContainsKey(name))
        {
            throw Error(node, $"defines '{name}', which is already defined (ONNX values are assigned once)");
        }
    }
}
