using WasmGraph.Abstractions.Ir;
using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>
/// RNN, GRU and LSTM, unrolled over time. The IR has no loops, but every shape is static, so the sequence length is
/// known and each step becomes a few MatMul, Add, Mul and activation nodes. The input projection X·Wᵀ (plus both
/// biases where they simply add) is one MatMul over all steps; a step computes only the recurrent H·Rᵀ and its gates.
/// Y stacks the per-step hidden states, Y_h (and Y_c) are the last states, in the layout the node asks for.
/// <para>
/// <c>sequence_lens</c> changes the unrolled program, so it must be a constant: equal lengths are the plain program,
/// shorter ones mask each step (Y is 0 past a sequence's end, and its state stops changing, so Y_h is the state of the
/// last valid step; the reverse direction then starts at the sequence's own last step, as ONNX specifies).
/// </para>
/// </summary>
internal static class RecurrentImporters
{
    public static void Rnn(OnnxNode node, int opset, ImportContext context) => Import(node, context, RecurrentCell.Rnn);

    public static void Gru(OnnxNode node, int opset, ImportContext context) => Import(node, context, RecurrentCell.Gru);

    public static void Lstm(OnnxNode node, int opset, ImportContext context) => Import(node, context, RecurrentCell.Lstm);

    /// <summary>One direction's state while the steps are written: hidden state, cell state (LSTM) and Y per step.</summary>
    private sealed class DirectionState(string hidden, string? cellState, long steps)
    {
        public string Hidden { get; set; } = hidden;
        public string? CellState { get; set; } = cellState;
        public string[] Outputs { get; } = new string[steps];
    }

    private static void Import(OnnxNode node, ImportContext context, RecurrentCell cell)
    {
        var d = new Decomposer(node, context);
        var p = RecurrentParameters.Read(node, context, cell);
        string xTimeMajor = p.Layout == 1 ? d.Transpose(context.Input(node, 0), [1, 0, 2]) : context.Input(node, 0);
        string xFlat = d.Reshape(xTimeMajor, [p.Steps * p.Batch, p.InputSize]);
        var finals = new List<DirectionState>();
        for (int dir = 0; dir < p.Directions; dir++)
        {
            var state = new DirectionState(InitialState(d, node, context, p, 5, dir), cell == RecurrentCell.Lstm ? InitialState(d, node, context, p, 6, dir) : null, p.Steps);
            var weights = DirectionWeights.Write(d, node, context, p, cell, dir, xFlat);
            bool reverse = p.Direction == "reverse" || dir == 1;
            for (long s = 0; s < p.Steps; s++)
            {
                long t = reverse ? p.Steps - 1 - s : s;
                string xt = d.Reshape(d.Slice(weights.InputProjection, 0, t, 1), [p.Batch, cell.Gates * p.Hidden]);
                if (cell == RecurrentCell.Lstm)
                {
                    var (hidden, cellState) = LstmStep(d, p, weights, dir, xt, state.Hidden, state.CellState!);
                    Advance(d, p, state, t, hidden, cellState);
                }
                else
                {
                    Advance(d, p, state, t, cell == RecurrentCell.Rnn ? RnnStep(d, p, weights, dir, xt, state.Hidden) : GruStep(d, p, weights, dir, xt, state.Hidden), null);
                }
            }
            finals.Add(state);
        }
        WriteOutputs(d, node, p, finals);
    }

    /// <summary>Moves a direction one step on, masking the batch entries whose sequence has already ended.</summary>
    private static void Advance(Decomposer d, RecurrentParameters p, DirectionState state, long t, string hidden, string? cellState)
    {
        if (p.Lengths is not { } lengths || lengths.All(l => l > t))
        {
            state.Hidden = hidden;
            state.CellState = cellState ?? state.CellState;
            state.Outputs[t] = hidden;
            return;
        }
        var live = lengths.Select(l => (long)(l > t ? 1 : 0)).ToArray();
        string mask = d.Constant(Abstractions.Ops.ConstantMath.FromLongs(DataType.Bool, new Shape(p.Batch, 1), live), "live");
        state.Outputs[t] = d.Op("Where", [mask, hidden, d.Scalar(0f)]);
        state.Hidden = d.Op("Where", [mask, hidden, state.Hidden]);
        state.CellState = cellState is null ? state.CellState : d.Op("Where", [mask, cellState, state.CellState!]);
    }

    private static string RnnStep(Decomposer d, RecurrentParameters p, DirectionWeights w, int dir, string xt, string h)
        => Activate(d, p, p.Activations[dir][0], d.Add(xt, d.MatMul(h, w.RecurrentT)));

    /// <summary>
    /// z, r = f(Xz,r + H·Rz,rᵀ + biases); h̃ = g(Xh + (r ⊙ H)·Rhᵀ + biases), or with linear_before_reset
    /// g(Xh + r ⊙ (H·Rhᵀ + Rbh) + Wbh); H' = (1 − z) ⊙ h̃ + z ⊙ H.
    /// </summary>
    private static string GruStep(Decomposer d, RecurrentParameters p, DirectionWeights w, int dir, string xt, string h)
    {
        long hidden = p.Hidden;
        string recurrent = d.MatMul(h, p.LinearBeforeReset ? w.RecurrentT : w.RecurrentGatesT!);
        string updateReset = Activate(d, p, p.Activations[dir][0], d.Add(d.Slice(xt, 1, 0, 2 * hidden), d.Slice(recurrent, 1, 0, 2 * hidden)));
        string z = d.Slice(updateReset, 1, 0, hidden);
        string r = d.Slice(updateReset, 1, hidden, hidden);
        string candidateInput;
        if (p.LinearBeforeReset)
        {
            string hr = d.Slice(recurrent, 1, 2 * hidden, hidden);
            candidateInput = d.Mul(r, w.RecurrentCandidateBias is { } rbh ? d.Add(hr, rbh) : hr);
        }
        else
        {
            candidateInput = d.MatMul(d.Mul(r, h), w.RecurrentCandidateT!);
        }
        string candidate = Activate(d, p, p.Activations[dir][1], d.Add(d.Slice(xt, 1, 2 * hidden, hidden), candidateInput));
        return d.Add(d.Mul(d.Sub(d.Scalar(1f), z), candidate), d.Mul(z, h));
    }

    /// <summary>
    /// Gates in ONNX order i, o, f, c: i = f(… + Pi ⊙ C), f = f(… + Pf ⊙ C) (or 1 − i with input_forget),
    /// C' = f ⊙ C + i ⊙ g(…), o = f(… + Po ⊙ C'), H' = o ⊙ h(C').
    /// </summary>
    private static (string Hidden, string Cell) LstmStep(Decomposer d, RecurrentParameters p, DirectionWeights w, int dir, string xt, string h, string c)
    {
        long hidden = p.Hidden;
        var f = p.Activations[dir];
        string gates = d.Add(xt, d.MatMul(h, w.RecurrentT));
        string Gate(int index) => d.Slice(gates, 1, index * hidden, hidden);
        string Peep(string preActivation, string? peephole, string cellState) => peephole is null ? preActivation : d.Add(preActivation, d.Mul(peephole, cellState));
        string input = Activate(d, p, f[0], Peep(Gate(0), w.PeepholeInput, c));
        string forget = p.InputForget ? d.Sub(d.Scalar(1f), input) : Activate(d, p, f[0], Peep(Gate(2), w.PeepholeForget, c));
        string candidate = Activate(d, p, f[1], Gate(3));
        string newCell = d.Add(d.Mul(forget, c), d.Mul(input, candidate));
        string output = Activate(d, p, f[0], Peep(Gate(1), w.PeepholeOutput, newCell));
        return (d.Mul(output, f[2].Apply(d, newCell)), newCell);
    }

    /// <summary>ONNX clips the input of every gate activation (not the cell state before h).</summary>
    private static string Activate(Decomposer d, RecurrentParameters p, RecurrentActivation activation, string preActivation)
    {
        string x = p.Clip is { } clip ? d.Unary("Clip", preActivation, IrAttributes.Empty.With("min", -clip).With("max", clip)) : preActivation;
        return activation.Apply(d, x);
    }

    /// <summary>initial_h / initial_c of one direction as [batch, hidden], or zeros when absent.</summary>
    private static string InitialState(Decomposer d, OnnxNode node, ImportContext context, RecurrentParameters p, int index, int dir)
    {
        if (!node.HasInput(index))
        {
            return d.Constant(TensorData.FromFloats(new Shape(p.Batch, p.Hidden), new float[p.Batch * p.Hidden]), "zero_state");
        }
        string value = context.Input(node, index);
        var expected = p.Layout == 0 ? new Shape(p.Directions, p.Batch, p.Hidden) : new Shape(p.Batch, p.Directions, p.Hidden);
        if (d.ShapeOf(value) != expected)
        {
            throw context.Error(node, $"{(index == 5 ? "initial_h" : "initial_c")} has shape {d.ShapeOf(value)}, expected {expected}");
        }
        return d.Reshape(d.Slice(value, p.Layout == 0 ? 0 : 1, dir, 1), [p.Batch, p.Hidden]);
    }

    /// <summary>Y [seq, dirs, batch, hidden] (layout 1: [batch, seq, dirs, hidden]), Y_h and Y_c [dirs, batch, hidden] (layout 1: [batch, dirs, hidden]).</summary>
    private static void WriteOutputs(Decomposer d, OnnxNode node, RecurrentParameters p, List<DirectionState> finals)
    {
        if (node.HasOutput(0))
        {
            var pieces = Enumerable.Range(0, (int)p.Steps).SelectMany(t => finals.Select(f => f.Outputs[t])).ToList();
            var stacked = d.Reshape(d.Concat(0, pieces), [p.Steps, p.Directions, p.Batch, p.Hidden]);
            d.Bind(p.Layout == 0 ? stacked : d.Transpose(stacked, [2, 0, 1, 3]), node.Outputs[0]);
        }
        void Last(int index, Func<DirectionState, string> pick)
        {
            if (node.HasOutput(index))
            {
                var stacked = d.Reshape(d.Concat(0, finals.Select(pick).ToList()), [p.Directions, p.Batch, p.Hidden]);
                d.Bind(p.Layout == 0 ? stacked : d.Transpose(stacked, [1, 0, 2]), node.Outputs[index]);
            }
        }
        Last(1, f => f.Hidden);
        Last(2, f => f.CellState ?? throw new InvalidOperationException("only LSTM has a cell state output"));
    }

    /// <summary>
    /// The per-direction operands: the input projection X·Wᵀ + biases for all steps at once [seq, batch, gates·hidden],
    /// Rᵀ (and for GRU without linear_before_reset its z/r and candidate column blocks, since the candidate multiplies
    /// r ⊙ H instead of H), GRU's recurrent candidate bias when linear_before_reset keeps it apart, and LSTM peepholes.
    /// </summary>
    private sealed record DirectionWeights(string InputProjection, string RecurrentT, string? RecurrentCandidateBias,
                                           string? PeepholeInput, string? PeepholeOutput, string? PeepholeForget)
    {
        public string? RecurrentGatesT { get; init; }
        public string? RecurrentCandidateT { get; init; }

        public static DirectionWeights Write(Decomposer d, OnnxNode node, ImportContext context, RecurrentParameters p, RecurrentCell cell, int dir, string xFlat)
        {
            long gateWidth = cell.Gates * p.Hidden;
            string OfDirection(int index, long[] dims) => d.Reshape(d.Slice(context.Input(node, index), 0, dir, 1), dims);
            string wT = d.Transpose(OfDirection(1, [gateWidth, p.InputSize]), [1, 0]);
            string rT = d.Transpose(OfDirection(2, [gateWidth, p.Hidden]), [1, 0]);
            string projection = d.MatMul(xFlat, wT);
            string? candidateBias = null;
            if (node.HasInput(3))
            {
                string b = OfDirection(3, [2 * gateWidth]);
                string wb = d.Slice(b, 0, 0, gateWidth);
                string rb = d.Slice(b, 0, gateWidth, gateWidth);
                string bias;
                if (cell == RecurrentCell.Gru && p.LinearBeforeReset)
                {
                    // Rbh is added inside r ⊙ (H·Rhᵀ + Rbh); only the z and r parts of Rb join the input bias.
                    bias = d.Concat(0, [d.Add(d.Slice(wb, 0, 0, 2 * p.Hidden), d.Slice(rb, 0, 0, 2 * p.Hidden)), d.Slice(wb, 0, 2 * p.Hidden, p.Hidden)]);
                    candidateBias = d.Slice(rb, 0, 2 * p.Hidden, p.Hidden);
                }
                else
                {
                    bias = d.Add(wb, rb);
                }
                projection = d.Add(projection, bias);
            }
            string inputProjection = d.Reshape(projection, [p.Steps, p.Batch, gateWidth]);
            if (cell == RecurrentCell.Gru && !p.LinearBeforeReset)
            {
                return new(inputProjection, rT, candidateBias, null, null, null)
                {
                    RecurrentGatesT = d.Slice(rT, 1, 0, 2 * p.Hidden),
                    RecurrentCandidateT = d.Slice(rT, 1, 2 * p.Hidden, p.Hidden),
                };
            }
            if (cell != RecurrentCell.Lstm || !node.HasInput(7))
            {
                return new(inputProjection, rT, candidateBias, null, null, null);
            }
            string peepholes = OfDirection(7, [3 * p.Hidden]);
            return new(inputProjection, rT, candidateBias,
                d.Slice(peepholes, 0, 0, p.Hidden), d.Slice(peepholes, 0, p.Hidden, p.Hidden), d.Slice(peepholes, 0, 2 * p.Hidden, p.Hidden));
        }
    }
}
