using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>
/// The optimiser update rules of domain ai.onnx.preview.training (Adagrad, Momentum, Adam) as elementwise IR, one
/// update per (X, G, state…) group: inputs are R (learning rate, scalar), T (iteration count, int64 scalar), then all
/// X, all G and all of each state; outputs are all new X, then all of each new state. The formulas are the spec's
/// (and its reference implementation's) word for word; T only selects between two scalars, or enters Pow as float.
/// </summary>
internal static class OptimizerImporters
{
    /// <summary>r = R / (1 + T·decay); g = λX + G; H' = H + g²; X' = X − r·g / (√H' + ε).</summary>
    public static void Adagrad(OnnxNode node, int opset, ImportContext context)
    {
        var d = new Decomposer(node, context);
        int groups = Groups(node, context, states: 1);
        float decay = node.Attributes.Float("decay_factor", 0f);
        float epsilon = node.Attributes.Float("epsilon", 1e-6f);
        float lambda = node.Attributes.Float("norm_coefficient", 0f);
        string rate = d.Div(LearningRate(d, node, context), d.Add(d.Scalar(1f), d.Mul(Iteration(d, node, context), d.Scalar(decay))));
        for (int i = 0; i < groups; i++)
        {
            var (x, g, h) = (Operand(node, context, groups, 0, i), Operand(node, context, groups, 1, i), Operand(node, context, groups, 2, i));
            string regularized = d.Add(d.Mul(d.Scalar(lambda), x), g);
            string hNew = d.Add(h, d.Mul(regularized, regularized), Output(node, groups, 1, i));
            string denominator = d.Add(d.Unary("Sqrt", hNew), d.Scalar(epsilon));
            d.Sub(x, d.Div(d.Mul(rate, regularized), denominator), Output(node, groups, 0, i));
        }
    }

    /// <summary>
    /// g = λX + G; β̂ = T &gt; 0 ? β : 1; V' = αV + β̂g; X' = X − R·V' (standard) or X − R·(g + αV') (nesterov).
    /// </summary>
    public static void Momentum(OnnxNode node, int opset, ImportContext context)
    {
        var d = new Decomposer(node, context);
        int groups = Groups(node, context, states: 1);
        float alpha = Required(node, context, "alpha"), beta = Required(node, context, "beta"), lambda = Required(node, context, "norm_coefficient");
        string mode = node.Attributes.String("mode", "");
        if (mode is not ("standard" or "nesterov"))
        {
            throw context.Unsupported(node, $"mode '{mode}' (standard or nesterov)");
        }
        string rate = LearningRate(d, node, context);
        string started = d.Op("Greater", [context.Input(node, 1), d.Scalar(0f, DataType.Int64)]);
        string betaAdjusted = d.Op("Where", [started, d.Scalar(beta), d.Scalar(1f)]);
        for (int i = 0; i < groups; i++)
        {
            var (x, g, v) = (Operand(node, context, groups, 0, i), Operand(node, context, groups, 1, i), Operand(node, context, groups, 2, i));
            string regularized = d.Add(d.Mul(d.Scalar(lambda), x), g);
            string vNew = d.Add(d.Mul(d.Scalar(alpha), v), d.Mul(betaAdjusted, regularized), Output(node, groups, 1, i));
            string step = mode == "standard" ? vNew : d.Add(regularized, d.Mul(d.Scalar(alpha), vNew));
            d.Sub(x, d.Mul(rate, step), Output(node, groups, 0, i));
        }
    }

    /// <summary>
    /// g = λX + G; V' = αV + (1 − α)g; H' = βH + (1 − β)g²; r = T &gt; 0 ? R·√(1 − β^T) / (1 − α^T) : R;
    /// X' = (1 − λ_post)·(X − r·V' / (√H' + ε)).
    /// </summary>
    public static void Adam(OnnxNode node, int opset, ImportContext context)
    {
        var d = new Decomposer(node, context);
        int groups = Groups(node, context, states: 2);
        float alpha = node.Attributes.Float("alpha", 0.9f), beta = node.Attributes.Float("beta", 0.999f);
        float epsilon = node.Attributes.Float("epsilon", 1e-6f);
        float lambda = node.Attributes.Float("norm_coefficient", 0f), lambdaPost = node.Attributes.Float("norm_coefficient_post", 0f);
        string rate = LearningRate(d, node, context);
        string t = Iteration(d, node, context);
        string corrected = d.Div(d.Mul(rate, d.Unary("Sqrt", d.Sub(d.Scalar(1f), d.Op("Pow", [d.Scalar(beta), t])))),
                                 d.Sub(d.Scalar(1f), d.Op("Pow", [d.Scalar(alpha), t])));
        string started = d.Op("Greater", [context.Input(node, 1), d.Scalar(0f, DataType.Int64)]);
        string adjustedRate = d.Op("Where", [started, corrected, rate]);
        for (int i = 0; i < groups; i++)
        {
            string x = Operand(node, context, groups, 0, i), g = Operand(node, context, groups, 1, i);
            string v = Operand(node, context, groups, 2, i), h = Operand(node, context, groups, 3, i);
            string regularized = d.Add(d.Mul(d.Scalar(lambda), x), g);
            string vNew = d.Add(d.Mul(d.Scalar(alpha), v), d.Mul(d.Scalar(1f - alpha), regularized), Output(node, groups, 1, i));
            string hNew = d.Add(d.Mul(d.Scalar(beta), h), d.Mul(d.Scalar(1f - beta), d.Mul(regularized, regularized)), Output(node, groups, 2, i));
            string denominator = d.Add(d.Unary("Sqrt", hNew), d.Scalar(epsilon));
            string xNew = d.Sub(x, d.Mul(adjustedRate, d.Div(vNew, denominator)));
            d.Mul(d.Scalar(1f - lambdaPost), xNew, Output(node, groups, 0, i));
        }
    }

    /// <summary>The number of optimised tensors: inputs are R, T, then 2 + <paramref name="states"/> lists of that length.</summary>
    private static int Groups(OnnxNode node, ImportContext context, int states)
    {
        int lists = 2 + states;
        int groups = (node.Inputs.Count - 2) / lists;
        if (groups < 1 || node.Inputs.Count != 2 + lists * groups)
        {
            throw context.Error(node, $"has {node.Inputs.Count} inputs; expected R, T and {lists} lists of equal length");
        }
        if (node.Outputs.Count > (1 + states) * groups)
        {
            throw context.Error(node, $"has {node.Outputs.Count} outputs; expected at most {(1 + states) * groups}");
        }
        var t = context.InputType(node, 1);
        if (t.ElementType != DataType.Int64 || t.ElementCount != 1)
        {
            throw context.Error(node, $"T must be an int64 scalar, got {t}");
        }
        for (int i = 2; i < node.Inputs.Count; i++)
        {
            if (context.InputType(node, i).ElementType != DataType.Float32)
            {
                throw context.Unsupported(node, $"input {i} is {context.InputType(node, i).ElementType.Name()}; only float32 tensors are supported");
            }
        }
        return groups;
    }

    /// <summary>Input <paramref name="index"/> of list <paramref name="list"/> (0 = X, 1 = G, then the states).</summary>
    private static string Operand(OnnxNode node, ImportContext context, int groups, int list, int index)
        => context.Input(node, 2 + list * groups + index);

    /// <summary>The ONNX name of output <paramref name="index"/> of list <paramref name="list"/> (0 = new X, then the new states), or null.</summary>
    private static string? Output(OnnxNode node, int groups, int list, int index)
    {
        int position = list * groups + index;
        return node.HasOutput(position) ? node.Outputs[position] : null;
    }

    private static string LearningRate(Decomposer d, OnnxNode node, ImportContext context)
    {
        var r = context.InputType(node, 0);
        if (r.ElementType != DataType.Float32 || r.ElementCount != 1)
        {
            throw context.Unsupported(node, $"R is {r}; only a float32 scalar learning rate is supported");
        }
        return d.Reshape(context.Input(node, 0), []);
    }

    private static string Iteration(Decomposer d, OnnxNode node, ImportContext context)
        => d.Reshape(d.Cast(context.Input(node, 1), DataType.Float32), []);

    private static float Required(OnnxNode node, ImportContext context, string name)
        => node.Attributes.Has(name) ? node.Attributes.Float(name, 0f) : throw context.Error(node, $"required attribute '{name}' is missing");
}
