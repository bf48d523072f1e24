using System.Collections.Immutable;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Onnx;
using WasmGraph.Onnx.Proto;

namespace WasmGraph.Frontends.Onnx.Import;

/// <summary>
/// Turns a parsed <see cref="ModelProto"/> into a verified IR graph: metadata, initializers as constants, inputs
/// with static types, then each node through <see cref="OpImportTable"/>, then the outputs. Nodes are imported in
/// file order, which ONNX requires to be topological.
/// </summary>
internal sealed class OnnxImporter
{
    private static readonly string[] DefaultDomains = ["", "ai.onnx"];

    private readonly ModelProto _model;
    private readonly GraphProto _graph;
    private readonly FrontendOptions _options;
    private readonly string _file;

    private readonly LimitChecker _limits;

    public OnnxImporter(ModelProto model, FrontendOptions options, ImportLimits limits)
    {
        _model = model;
        _graph = model.Graph;
        _options = options;
        _file = options.SourceName;
        _limits = new LimitChecker(limits, _file);
    }

    public Graph Import()
    {
        int opset = DefaultOpset();
        var builder = new GraphBuilder(string.IsNullOrEmpty(_graph.Name) ? Path.GetFileNameWithoutExtension(_file) : _graph.Name);
        RecordMetadata(builder, opset);
        _limits.CheckGraph(_graph);
        AddInitializers(builder);
        AddInputs(builder);
        var context = new ImportContext(builder, _file, opset, UsedValues(_graph), _limits, _options.Registry, ImportNode) { DeclaredTypes = DeclaredTypes() };
        for (int i = 0; i < _graph.Node.Count; i++)
        {
            ImportNode(new OnnxNode(_graph.Node[i], i), context);
        }
        OutputBinder.Bind(context, _graph.Output.Select(o => o.Name));
        RemoveUnreadConstants(builder);
        var graph = builder.Build();
        BoundedOutputs.ThrowIfConsumed(graph);
        GraphVerifier.Verify(graph, _options.Registry, "onnx import");
        return graph;
    }

    /// <summary>
    /// The default-domain opset used when a model imports none: allowed only when every node belongs to another domain
    /// that has importers (a model of ai.onnx.preview.training optimisers, say), so the number affects only metadata
    /// and messages. 12 is the default opset of ONNX 1.7, the release that introduced ai.onnx.preview.training 1.
    /// </summary>
    public const int OpsetWithoutDefaultImport = 12;

    private int DefaultOpset()
    {
        var versions = _model.OpsetImport.Where(o => DefaultDomains.Contains(o.Domain)).Select(o => o.Version).ToList();
        if (versions.Count == 0)
        {
            bool allOtherDomains = _graph.Node.Count > 0 && _graph.Node.All(n => !DefaultDomains.Contains(n.Domain) && FindImporter(n.Domain, n.OpType, isDefault: false) is not null);
            return allOtherDomains ? OpsetWithoutDefaultImport : throw new ModelException("the model imports no opset of the default ONNX domain", file: _file);
        }
        long opset = versions.Max();
        if (opset < 1 || opset > int.MaxValue)
        {
            throw new ModelException($"the model imports opset {opset}, which is not a valid opset version", file: _file);
        }
        return (int)opset;
    }

    private void RecordMetadata(GraphBuilder builder, int opset)
    {
        builder.Metadata[GraphMetadata.Producer] = $"{_model.ProducerName} {_model.ProducerVersion}".Trim();
        builder.Metadata[GraphMetadata.Opset] = GraphMetadata.FormatOpset(opset);
        builder.Metadata[GraphMetadata.Source] = _file;
        var doc = string.IsNullOrEmpty(_model.DocString) ? _graph.DocString : _model.DocString;
        if (!string.IsNullOrEmpty(doc))
        {
            builder.Metadata[GraphMetadata.Doc] = doc;
        }
    }

    private void AddInitializers(GraphBuilder builder)
    {
        if (_graph.SparseInitializer.Count > 0)
        {
            throw new ModelException("sparse initializers are not supported", file: _file);
        }
        foreach (var tensor in _graph.Initializer)
        {
            if (string.IsNullOrEmpty(tensor.Name))
            {
                throw new ModelException("an initializer has no name", file: _file);
            }
            if (builder.Constants.ContainsKey(tensor.Name))
            {
                throw new ModelException($"initializer '{tensor.Name}' is defined twice", file: _file);
            }
            builder.AddConstant(tensor.Name, OnnxTensors.ToTensorData(tensor, $"initializer '{tensor.Name}'", _file));
        }
    }

    /// <summary>
    /// Graph inputs that are also initializers (IR version &lt; 4 lists weights as inputs) are constants, and so are
    /// the inputs the user bound to values (<see cref="InputBinder"/>); the binding is recorded in the metadata.
    /// </summary>
    private void AddInputs(GraphBuilder builder)
    {
        var inputs = _graph.Input.Where(i => !builder.Constants.ContainsKey(i.Name)).ToList();
        var names = inputs.Select(i => i.Name).ToList();
        var resolver = new InputTypeResolver(_options.InputShapes, _file);
        resolver.CheckPinsExist(names);
        resolver.ShareDimParams(inputs);
        var binder = new InputBinder(_options.Bindings, _options.InputShapes, _file);
        binder.CheckNamesExist(names);
        foreach (var input in inputs)
        {
            if (string.IsNullOrEmpty(input.Name) || builder.Types.ContainsKey(input.Name))
            {
                throw new ModelException($"graph input '{input.Name}' is unnamed or declared twice", file: _file);
            }
            if (binder.ValueOf(input) is { } value)
            {
                _limits.CheckType(value.Type, $"bound input '{input.Name}' ({value.Type})");
                builder.AddConstant(input.Name, value);
                var (key, text) = GraphMetadata.BoundEntry(input.Name, value);
                builder.Metadata[key] = text;
                continue;
            }
            var type = resolver.Resolve(input);
            _limits.CheckType(type, $"input '{input.Name}' ({type})");
            builder.AddInput(input.Name, type);
        }
    }

    /// <summary>
    /// The static tensor types the file declares for values it computes (graph outputs, value_info): every dimension a
    /// fixed number and a supported element type. Anything else is left out (the importer infers its own types).
    /// </summary>
    private Dictionary<string, TensorType> DeclaredTypes()
    {
        var declared = new Dictionary<string, TensorType>(StringComparer.Ordinal);
        foreach (var info in _graph.Output.Concat(_graph.ValueInfo))
        {
            if (info.Type?.TensorType is { } tensor && tensor.Shape is { } shape && DataTypes.IsDefined(tensor.ElemType)
                && shape.Dim.All(d => d.HasDimValue && d.DimValue >= 0) && !string.IsNullOrEmpty(info.Name))
            {
                declared[info.Name] = new TensorType((DataType)tensor.ElemType, new Shape(shape.Dim.Select(d => d.DimValue).ToArray()));
            }
        }
        return declared;
    }

    /// <summary>The names the graph's nodes and outputs read, including those its subgraphs read from the outer scope.</summary>
    public static HashSet<string> UsedValues(GraphProto graph)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        void Collect(GraphProto g)
        {
            used.UnionWith(g.Node.SelectMany(n => n.Input).Where(i => i.Length > 0));
            used.UnionWith(g.Output.Select(o => o.Name));
            foreach (var attribute in g.Node.SelectMany(n => n.Attribute))
            {
                if (attribute.G is { } body)
                {
                    Collect(body);
                }
                foreach (var subgraph in attribute.Graphs)
                {
                    Collect(subgraph);
                }
            }
        }
        Collect(graph);
        return used;
    }

    private void ImportNode(OnnxNode node, ImportContext context)
    {
        string domain = node.Domain;
        bool isDefault = DefaultDomains.Contains(domain);
        int opset = isDefault
            ? context.Opset
            : (int)Math.Clamp(_model.OpsetImport.Where(o => o.Domain == domain).Select(o => o.Version).DefaultIfEmpty(0).Max(), 0, int.MaxValue);
        if (FindImporter(domain, node.OpType, isDefault) is not { } importer)
        {
            throw new UnsupportedOpException(isDefault ? node.OpType : $"{domain}.{node.OpType}", opset, node.Name, _file);
        }
        try
        {
            ImportWithRunTimeParameters(node, opset, context, importer);
        }
        catch (ModelException e) when (e.File is null)
        {
            // Errors from type inference and attribute parsing name the node but not the file.
            throw new ModelException(e.Message, file: _file, inner: e);
        }
        catch (Exception e) when (e is not ModelException and not OutOfMemoryException)
        {
            throw new ModelException($"cannot import this node ({e.Message})", file: _file, node: node.Name, op: node.OpType, inner: e);
        }
    }

    /// <summary>
    /// Runs the importer; when it needs a run-time input at compile time, <see cref="RunTimeParameters"/> takes the value
    /// at run time if the model declares the node's output types (a trial import never does this itself, and neither
    /// does an importer that had already emitted part of the node: that part cannot be taken back).
    /// </summary>
    private static void ImportWithRunTimeParameters(OnnxNode node, int opset, ImportContext context, OpImporter importer)
    {
        int nodes = context.Builder.Nodes.Count;
        int values = context.Builder.Types.Count;
        try
        {
            importer(node, opset, context);
        }
        catch (RunTimeParameterRequest request) when (request.Node == node)
        {
            if (context.IsTrial)
            {
                throw;
            }
            if (context.Builder.Nodes.Count != nodes || context.Builder.Types.Count != values)
            {
                throw context.NotConstantError(request, why: null);
            }
            RunTimeParameters.Import(node, opset, context, importer, request);
        }
        catch (RunTimeParameterRequest request) when (!context.IsTrial)
        {
            // A node of an inlined subgraph asked: its own import already decided; report it as it stands.
            throw context.NotConstantError(request, why: null);
        }
    }

    /// <summary>
    /// The frontend's own importer of the op, else the one an op of the registry declares (an op a plugin added, see
    /// <see cref="OpDefinition.Imports"/>), run through <see cref="RegistryImport"/>.
    /// </summary>
    private OpImporter? FindImporter(string domain, string opType, bool isDefault)
        => OpImportTable.Find(domain, opType, isDefault)
           ?? (_options.Registry.FindImport(isDefault ? "" : domain, opType) is { } import ? RegistryImport(import) : null);

    /// <summary>Runs a registry op's import on the frontend-neutral view of the node and emits what it returns.</summary>
    private static OpImporter RegistryImport(OpImport import) => (node, opset, context) =>
    {
        var inputs = Enumerable.Range(0, node.Inputs.Count).Select(i => node.HasInput(i) ? context.Input(node, i) : "").ToImmutableArray();
        var source = new SourceNode(node.Name, node.Domain, node.OpType, opset, inputs, node.Outputs.ToImmutableArray(),
                                    node.Attributes.ToIr(context.File), hint => context.Temp(node, hint));
        foreach (var irNode in import.Import(source))
        {
            context.Emit(node, irNode);
        }
    };

    /// <summary>
    /// Drops constants nothing reads: shape, axes and bound tensors that were turned into attributes, and unused
    /// initializers. They would otherwise be carried into the module as weights.
    /// </summary>
    private static void RemoveUnreadConstants(GraphBuilder builder)
    {
        var read = new HashSet<string>(builder.Nodes.SelectMany(n => n.Inputs), StringComparer.Ordinal);
        read.UnionWith(builder.Outputs);
        foreach (var name in builder.Constants.Keys.Where(c => !read.Contains(c)).ToList())
        {
            builder.RemoveConstant(name);
        }
    }
}
