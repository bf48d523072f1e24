using System.Collections.Immutable;
using System.Text;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import;

/// <summary>
/// Thrown by <see cref="ImportContext.OptionalConstant"/> when an importer needs, at compile time, a value that is
/// only known at run time (a Reshape's shape that is a graph input). <see cref="RunTimeParameters"/> catches it and
/// tries to take the value at run time; when it cannot, the request becomes the usual "must be known at compile time" error.
/// </summary>
internal sealed class RunTimeParameterRequest(OnnxNode node, int index, string role, bool unsupported)
    : Exception($"node '{node.Name}' needs input '{role}' at compile time")
{
    public OnnxNode Node { get; } = node;
    public int Index { get; } = index;
    public string Role { get; } = role;

    /// <summary>Whether the op allows the value at run time and only WasmGraph needs it early (unsupported, not a model error).</summary>
    public bool IsUnsupported { get; } = unsupported;
}

/// <summary>
/// Shape-deciding inputs given at run time, when the model declares the node's output types. WasmGraph compiles
/// static shapes, so a value that decides a shape (a Reshape's shape, Unsqueeze's or ReduceSum's axes, Tile's
/// repeats, TopK's K, Split's sizes, Resize's sizes…) must be known when the module is built. It is when the model
/// declares the static type of every output the node's value reaches: then only the values that give exactly those
/// types are possible, and each of them is a valid run-time input.
/// <para>
/// How: the node is imported once per possible value, each time by the op's own importer in a scratch graph
/// (<see cref="ImportContext.ForTrial"/>), so the op's rules (0 and -1 in a shape, negative axes, which axes may be
/// squeezed) are written once, in the importer. A trial value is one small integer vector: every element from the
/// dimensions and axis numbers the node's types mention (−rank…rank for the largest rank, every input and declared
/// output dimension and the quotients of output by input dimensions). The values whose trial gives the declared types are the accepted
/// ones; trials that make the same IR (same ops, attributes and constants) form one specialisation. The real graph
/// gets each specialisation (at most <see cref="MaxSpecialisations"/>, usually one: every accepted shape of a
/// Reshape gives the same copy) and one CheckParameter node, which at run time finds the specialisation the actual
/// value belongs to and passes its outputs on, and traps when the value is not one of the accepted ones (so a value
/// that contradicts the compiled shapes stops the run; it never gives a wrong output or an access out of bounds).
/// </para>
/// <para>
/// Limits, each reported in the error, which then says to bind the value (<c>--bind</c>) or declare the shapes:
/// int64, int32, float32 or float64 tensors of at most <see cref="MaxElements"/> elements (a float only takes integral values here:
/// Resize's float scales are not), at most <see cref="MaxTrials"/> trials, one run-time parameter per node, and
/// nothing emitted by the importer before it asked for the value.
/// </para>
/// </summary>
internal static class RunTimeParameters
{
    public const int MaxElements = 6;
    public const int MaxTrials = 40_000;
    public const int MaxSpecialisations = 8;

    /// <summary>Imports <paramref name="node"/> with the input <paramref name="request"/> names taken at run time, or throws the error saying why it cannot be.</summary>
    public static void Import(OnnxNode node, int opset, ImportContext context, OpImporter importer, RunTimeParameterRequest request)
    {
        var specialisations = Plan(node, opset, context, importer, request, out var why);
        if (specialisations is null)
        {
            throw context.NotConstantError(request, why);
        }
        Emit(node, opset, context, importer, request, specialisations);
    }

    /// <summary>One specialisation: the accepted values that make the same IR, and the first of them, which the importer specialises on.</summary>
    private sealed record Specialisation(TensorData Representative, List<long[]> Values);

    private static List<Specialisation>? Plan(OnnxNode node, int opset, ImportContext context, OpImporter importer, RunTimeParameterRequest request, out string? why)
    {
        var parameter = context.Input(node, request.Index);
        var type = context.Builder.Types[parameter];
        var outputs = Enumerable.Range(0, node.Outputs.Count).Where(node.HasOutput).Select(i => node.Outputs[i]).ToList();
        var declared = new Dictionary<string, TensorType>(StringComparer.Ordinal);
        foreach (var output in outputs)
        {
            if (context.DeclaredTypes.TryGetValue(output, out var declaredType))
            {
                declared[output] = declaredType;
            }
            else if (context.IsUsed(output))
            {
                why = $"it decides the shape of output '{output}', whose static shape the model does not declare " +
                      "(declare it, on the graph output or in value_info, to take the value at run time)";
                return null;
            }
        }
        if (!CheckParameterOp.ElementTypes.Contains(type.ElementType))
        {
            why = $"a run-time value of type {type.ElementType.Name()} cannot be checked against the compiled shapes";
            return null;
        }
        long count = type.Shape.ElementCount;
        if (count > MaxElements)
        {
            why = $"it has {count} elements, and only values of up to {MaxElements} are taken at run time";
            return null;
        }
        var pool = Pool(node, context, declared.Values);
        double trials = Math.Pow(pool.Length, count);
        if (trials > MaxTrials)
        {
            why = $"{trials:G3} values would have to be tried to find the ones that give the declared shapes (at most {MaxTrials})";
            return null;
        }
        if (!context.Limits.TryChargeTrials((long)trials))
        {
            why = $"the model's run-time shape-deciding inputs would need more than {context.Limits.MaxRunTimeParameterTrials} " +
                  "trial imports in all to find the values that give the declared shapes";
            return null;
        }
        var bySignature = new Dictionary<string, Specialisation>(StringComparer.Ordinal);
        RunTimeParameterRequest? alsoNeeded = null;
        var digits = new int[count];
        for (long t = 0; t < (long)trials; t++)
        {
            var values = digits.Select(d => pool[d]).ToArray();
            var value = ConstantMath.FromLongs(type.ElementType, type.Shape, values);
            if (Trial(node, opset, context, importer, parameter, value, outputs, declared, ref alsoNeeded) is { } signature)
            {
                if (!bySignature.TryGetValue(signature, out var specialisation))
                {
                    bySignature[signature] = specialisation = new Specialisation(value, []);
                }
                specialisation.Values.Add(values);
            }
            else if (alsoNeeded is not null && bySignature.Count == 0)
            {
                break; // the importer needs another run-time input first, whatever this one is
            }
            for (int d = (int)count - 1; d >= 0 && ++digits[d] == pool.Length; d--)
            {
                digits[d] = 0;
            }
        }
        if (bySignature.Count == 0 && alsoNeeded is not null)
        {
            why = $"input '{alsoNeeded.Role}' ('{node.Inputs[alsoNeeded.Index]}') is a run-time value too, and only one shape-deciding run-time input per node is taken at run time";
            return null;
        }
        if (bySignature.Count == 0 && type.ElementType.IsFloat())
        {
            string types = string.Join(", ", declared.Select(kv => $"'{kv.Key}' {kv.Value}"));
            why = $"no integral value of it gives the declared output type{(declared.Count > 1 ? "s" : "")} ({types}), and other float values are not taken at run time";
            return null;
        }
        if (bySignature.Count == 0)
        {
            string types = string.Join(", ", declared.Select(kv => $"'{kv.Key}' {kv.Value}"));
            why = $"no value of it gives the declared output type{(declared.Count > 1 ? "s" : "")} ({types})";
            return null;
        }
        if (bySignature.Count > MaxSpecialisations)
        {
            why = $"its possible values make {bySignature.Count} different computations (at most {MaxSpecialisations} are compiled side by side)";
            return null;
        }
        why = null;
        return bySignature.Values.ToList();
    }

    /// <summary>
    /// The numbers a value element is tried with: axis numbers of the largest rank in play (negative ones too), the
    /// dimensions of the node's inputs and declared outputs, and output-by-input quotients (Tile's repeats).
    /// </summary>
    private static long[] Pool(OnnxNode node, ImportContext context, IEnumerable<TensorType> declared)
    {
        var inputShapes = Enumerable.Range(0, node.Inputs.Count).Where(node.HasInput).Select(i => context.InputShape(node, i)).ToList();
        var outputShapes = declared.Select(t => t.Shape).ToList();
        // Every axis an op can name lies in [-rank, rank - 1] of the input or output it indexes (Unsqueeze's axes index
        // its output), so the largest rank in play bounds them all.
        int rank = Math.Max(1, inputShapes.Concat(outputShapes).Select(s => s.Rank).DefaultIfEmpty(0).Max());
        var pool = new SortedSet<long>();
        for (long a = -rank; a <= rank; a++)
        {
            pool.Add(a);
        }
        var inputDims = inputShapes.SelectMany(s => s.Dims).ToList();
        foreach (var dim in inputDims.Concat(outputShapes.SelectMany(s => s.Dims)))
        {
            pool.Add(dim);
        }
        foreach (var outputDim in outputShapes.SelectMany(s => s.Dims))
        {
            foreach (var inputDim in inputDims.Where(d => d > 1 && outputDim % d == 0))
            {
                pool.Add(outputDim / inputDim);
            }
        }
        return pool.ToArray();
    }

    /// <summary>
    /// Imports the node in a scratch graph assuming <paramref name="value"/>; the IR it makes as text when every
    /// declared output gets its declared type, else null (including when the importer refuses the value).
    /// </summary>
    private static string? Trial(OnnxNode node, int opset, ImportContext context, OpImporter importer, string parameter, TensorData value,
                                 List<string> outputs, Dictionary<string, TensorType> declared, ref RunTimeParameterRequest? alsoNeeded)
    {
        var trial = context.ForTrial(node, new Dictionary<string, TensorData>(StringComparer.Ordinal) { [parameter] = value });
        var before = trial.Builder.Constants.Keys.ToHashSet(StringComparer.Ordinal);
        try
        {
            importer(node, opset, trial);
        }
        catch (RunTimeParameterRequest other)
        {
            alsoNeeded ??= other;
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
        var builder = trial.Builder;
        foreach (var (output, type) in declared)
        {
            if (!builder.Types.TryGetValue(trial.Resolve(output), out var actual) || actual != type)
            {
                return null;
            }
        }
        var text = new StringBuilder();
        foreach (var irNode in builder.Nodes)
        {
            text.Append(irNode.Op).Append('(').AppendJoin(',', irNode.Inputs).Append(")->").AppendJoin(',', irNode.Outputs)
                .Append('{').Append(GraphText.AttributeList(irNode.Attributes, GraphTextOptions.Full)).Append("};");
        }
        foreach (var (name, data) in builder.Constants.Where(c => !before.Contains(c.Key)).OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            text.Append(name).Append('=').Append(data.Type).Append(Convert.ToBase64String(data.Bytes)).Append(';');
        }
        foreach (var output in outputs)
        {
            text.Append(output).Append("->").Append(trial.Resolve(output)).Append(';');
        }
        return text.ToString();
    }

    /// <summary>
    /// Each specialisation imported under fresh output names, then the CheckParameter node that picks the one the
    /// run-time value belongs to and writes the node's real outputs.
    /// </summary>
    private static void Emit(OnnxNode node, int opset, ImportContext context, OpImporter importer, RunTimeParameterRequest request,
                             List<Specialisation> specialisations)
    {
        var parameter = context.Input(node, request.Index);
        var outputIndices = Enumerable.Range(0, node.Outputs.Count).Where(node.HasOutput).ToList();
        var inputs = new List<string> { parameter };
        var candidates = new List<long>();
        var groups = new List<long>();
        for (int g = 0; g < specialisations.Count; g++)
        {
            var temps = node.Outputs.Select(o => o.Length == 0 ? "" : context.Builder.FreshName($"{o}/as{g}")).ToList();
            var specialised = node.WithNameAndOutputs(specialisations.Count == 1 ? node.Name : $"{node.Name}/{g}", temps);
            context.Assume(parameter, specialisations[g].Representative);
            try
            {
                importer(specialised, opset, context);
            }
            finally
            {
                context.Forget(parameter);
            }
            inputs.AddRange(outputIndices.Select(i => context.Resolve(temps[i])));
            foreach (var value in specialisations[g].Values)
            {
                candidates.AddRange(value);
                groups.Add(g);
            }
        }
        var attributes = IrAttributes.Empty
            .With("candidates", candidates)
            .With("groups", groups)
            .With("op", node.OpType)
            .With("input", request.Role);
        context.Emit(node, "CheckParameter", inputs, outputIndices.Select(i => node.Outputs[i]), attributes, part: $"{node.OpType}.{request.Role}");
    }
}
