using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// FusedElementwise (made by fuse-elementwise): one loop nest over the output with a broadcast stride per input;
/// each element loads its inputs once, evaluates the steps in registers and stores one result.
/// </summary>
internal sealed class FusedElementwiseKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["FusedElementwise"];

    public string? CheckSupported(Node node, Graph graph) => null;

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var output = k.OutputType(0).Shape;
        var steps = k.Attributes.Get("steps")!.Strings.Select(StandardOps.ParseFusedStep).ToList();
        var strides = Enumerable.Range(0, k.Node.Inputs.Length).Select(i => BinaryKernel.BroadcastStrides(k.InputType(i).Shape, output)).ToArray();
        var (dims, coalesced) = BinaryKernel.Coalesce(output.Dims.ToArray(), strides);
        e.ForEachIndex(dims, coalesced, (linear, offsets) =>
        {
            var inputs = offsets.Select((offset, i) => e.LoadF32(k.Input(i), offset)).ToArray();
            var results = new List<LValue>();
            foreach (var (op, operands) in steps)
            {
                var v = operands.Select(o => o.Step ? results[o.Index] : inputs[o.Index]).ToArray();
                results.Add(Apply(e, op, v));
            }
            e.StoreF32(results[^1], k.Output(0), linear);
        });
    }

    private static LValue Apply(Emitter e, string op, LValue[] v) => op switch
    {
        "Add" => e.FAdd(v[0], v[1]),
        "Sub" => e.FSub(v[0], v[1]),
        "Mul" => e.FMul(v[0], v[1]),
        "Div" => e.FDiv(v[0], v[1]),
        "Pow" => e.Pow(v[0], v[1]),
        "Relu" => e.FMaxKeepNaN(v[0], e.F(0)),
        "Sigmoid" => e.Sigmoid(v[0]),
        "Tanh" => e.Tanh(v[0]),
        "Erf" => e.Erf(v[0]),
        "Exp" => e.Exp(v[0]),
        "Sqrt" => e.Sqrt(v[0]),
        "Neg" => e.B.FNeg(v[0]),
        "Abs" => e.CallIntrinsic("llvm.fabs", v[0].Type, v[0]),
        "Reciprocal" => e.FDiv(e.F(1), v[0]),
        _ => throw new InvalidOperationException($"FusedElementwise: no lowering for step op {op}"),
    };
}
