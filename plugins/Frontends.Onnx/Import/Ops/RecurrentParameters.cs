using WasmGraph.Abstractions.Ir;
using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>A recurrent cell kind: its gate count, its default activations (f, g, h in the ONNX spec) and its output count.</summary>
internal sealed record RecurrentCell(string Op, int Gates, string[] DefaultActivations, int Outputs)
{
    public static readonly RecurrentCell Rnn = new("RNN", 1, ["Tanh"], 2);
    public static readonly RecurrentCell Gru = new("GRU", 3, ["Sigmoid", "Tanh"], 2);
    public static readonly RecurrentCell Lstm = new("LSTM", 4, ["Sigmoid", "Tanh", "Tanh"], 3);
}

/// <summary>
/// One activation of a recurrent cell, with its alpha and beta resolved. ONNX lists <c>activation_alpha</c> and
/// <c>activation_beta</c> in the order of the activations that take them (as ONNX Runtime reads them); a missing value
/// is that function's default.
/// </summary>
internal sealed record RecurrentActivation(string Name, float Alpha, float Beta)
{
    /// <summary>Functions that take alpha / beta, with their defaults.</summary>
    private static readonly Dictionary<string, (float? Alpha, float? Beta)> Parameters = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Relu"] = (null, null), ["Tanh"] = (null, null), ["Sigmoid"] = (null, null),
        ["Softsign"] = (null, null), ["Softplus"] = (null, null),
        ["LeakyRelu"] = (0.01f, null), ["ThresholdedRelu"] = (1f, null), ["Elu"] = (1f, null),
        ["HardSigmoid"] = (0.2f, 0.5f), ["Affine"] = (1f, 0f), ["ScaledTanh"] = (1f, 1f),
    };

    public static bool IsKnown(string name) => Parameters.ContainsKey(name);

    /// <summary>Resolves the names in order, consuming alphas and betas as ONNX Runtime does.</summary>
    public static List<RecurrentActivation> Resolve(IReadOnlyList<string> names, float[]? alphas, float[]? betas)
    {
        int nextAlpha = 0, nextBeta = 0;
        var result = new List<RecurrentActivation>();
        foreach (var name in names)
        {
            var (alpha, beta) = Parameters[name];
            float a = alpha is { } defaultAlpha ? (alphas is not null && nextAlpha < alphas.Length ? alphas[nextAlpha++] : defaultAlpha) : 0f;
            float b = beta is { } defaultBeta ? (betas is not null && nextBeta < betas.Length ? betas[nextBeta++] : defaultBeta) : 0f;
            result.Add(new RecurrentActivation(Parameters.Keys.First(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)), a, b));
        }
        return result;
    }

    public string Apply(Decomposer d, string x) => Name switch
    {
        "Relu" or "Tanh" or "Sigmoid" or "Softsign" or "Softplus" => d.Unary(Name, x),
        "LeakyRelu" or "ThresholdedRelu" or "Elu" => d.Unary(Name, x, IrAttributes.Empty.With("alpha", Alpha)),
        "HardSigmoid" => d.Unary(Name, x, IrAttributes.Empty.With("alpha", Alpha).With("beta", Beta)),
        "Affine" => d.Add(d.Mul(x, d.Scalar(Alpha)), d.Scalar(Beta)),
        "ScaledTanh" => d.Mul(d.Unary("Tanh", d.Mul(x, d.Scalar(Beta))), d.Scalar(Alpha)),
        _ => throw new InvalidOperationException($"activation {Name} has no decomposition"),
    };
}

/// <summary>
/// The attributes and static sizes of an RNN, GRU or LSTM node, checked against the input shapes:
/// X [seq, batch, input] (layout 1: [batch, seq, input]), W [dirs, gates·hidden, input], R [dirs, gates·hidden, hidden],
/// B [dirs, 2·gates·hidden], P [dirs, 3·hidden].
/// </summary>
internal sealed record RecurrentParameters(
    long Steps, long Batch, long InputSize, long Hidden, int Directions, string Direction, long Layout,
    float? Clip, bool LinearBeforeReset, bool InputForget, long[]? Lengths, List<RecurrentActivation>[] Activations)
{
    public static RecurrentParameters Read(OnnxNode node, ImportContext context, RecurrentCell cell)
    {
        var x = context.InputType(node, 0);
        if (x.ElementType != DataType.Float32)
        {
            throw context.Unsupported(node, $"X is {x.ElementType.Name()}; only float32 recurrent cells are supported");
        }
        if (x.Shape.Rank != 3)
        {
            throw context.Error(node, $"X must have rank 3, got {x.Shape}");
        }
        if (node.Outputs.Count > cell.Outputs)
        {
            throw context.Error(node, $"has {node.Outputs.Count} outputs; {cell.Op} has at most {cell.Outputs}");
        }
        long layout = node.Attributes.Int("layout", 0);
        if (layout is not (0 or 1))
        {
            throw context.Error(node, $"layout {layout} must be 0 or 1");
        }
        long steps = x.Shape[layout == 0 ? 0 : 1], batch = x.Shape[layout == 0 ? 1 : 0], inputSize = x.Shape[2];
        string direction = node.Attributes.String("direction", "forward");
        int directions = direction switch
        {
            "forward" or "reverse" => 1,
            "bidirectional" => 2,
            _ => throw context.Error(node, $"direction '{direction}' must be forward, reverse or bidirectional"),
        };
        var r = context.InputShape(node, 2);
        long hidden = node.Attributes.Int("hidden_size", r.Rank == 3 ? r[2] : -1);
        long gateWidth = cell.Gates * hidden;
        CheckShape(node, context, 1, "W", new Shape(directions, gateWidth, inputSize));
        CheckShape(node, context, 2, "R", new Shape(directions, gateWidth, hidden));
        CheckShape(node, context, 3, "B", new Shape(directions, 2 * gateWidth));
        if (cell == RecurrentCell.Lstm)
        {
            CheckShape(node, context, 7, "P", new Shape(directions, 3 * hidden));
        }
        if (steps == 0)
        {
            throw context.Unsupported(node, "an empty sequence (seq_length 0)");
        }
        float? clip = node.Attributes.Has("clip") ? node.Attributes.Float("clip", 0f) : null;
        return new RecurrentParameters(steps, batch, inputSize, hidden, directions, direction, layout, clip,
            LinearBeforeReset: cell == RecurrentCell.Gru && node.Attributes.Int("linear_before_reset", 0) != 0,
            InputForget: cell == RecurrentCell.Lstm && node.Attributes.Int("input_forget", 0) != 0,
            Lengths: SequenceLengths(node, context, steps, batch),
            Activations: ReadActivations(node, context, cell, directions));
    }

    private static void CheckShape(OnnxNode node, ImportContext context, int index, string role, Shape expected)
    {
        if (node.HasInput(index) && context.InputShape(node, index) != expected)
        {
            throw context.Error(node, $"{role} has shape {context.InputShape(node, index)}, expected {expected}");
        }
    }

    /// <summary>Null when every sequence runs the full length (the plain program); otherwise the per-batch lengths.</summary>
    private static long[]? SequenceLengths(OnnxNode node, ImportContext context, long steps, long batch)
    {
        if (!node.HasInput(4))
        {
            return null;
        }
        // sequence_lens decides the unrolled program.
        var data = context.OptionalParameter(node, 4, "sequence_lens")!;
        var lengths = data.ToInt64Array();
        if (lengths.Length != batch || lengths.Any(l => l < 0 || l > steps))
        {
            throw context.Error(node, $"sequence_lens [{string.Join(",", lengths)}] needs {batch} lengths in [0, {steps}]");
        }
        return lengths.All(l => l == steps) ? null : lengths;
    }

    /// <summary>The activations of each direction (forward first); one direction's list is reused for both if only it is given.</summary>
    private static List<RecurrentActivation>[] ReadActivations(OnnxNode node, ImportContext context, RecurrentCell cell, int directions)
    {
        int perDirection = cell.DefaultActivations.Length;
        var names = node.Attributes.Has("activations")
            ? ReadStrings(node, context, "activations")
            : Enumerable.Repeat(cell.DefaultActivations, directions).SelectMany(a => a).ToList();
        if (names.Count == perDirection && directions == 2)
        {
            names = [.. names, .. names];
        }
        if (names.Count != perDirection * directions)
        {
            throw context.Error(node, $"activations lists {names.Count} functions; {cell.Op} needs {perDirection} per direction ({perDirection * directions})");
        }
        if (names.FirstOrDefault(n => !RecurrentActivation.IsKnown(n)) is { } unknown)
        {
            throw context.Unsupported(node, $"activation '{unknown}'");
        }
        var all = RecurrentActivation.Resolve(names, node.Attributes.Floats("activation_alpha"), node.Attributes.Floats("activation_beta"));
        return Enumerable.Range(0, directions).Select(d => all.Skip(d * perDirection).Take(perDirection).ToList()).ToArray();
    }

    private static List<string> ReadStrings(OnnxNode node, ImportContext context, string name)
        => node.Attributes.Strings(name) ?? throw context.Error(node, $"attribute '{name}' must be a list of strings");
}
