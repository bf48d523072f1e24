using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// FusedElementwise (made by fuse-elementwise): one loop nest over the output with a broadcast stride per input;
/// each element loads its inputs once, evaluates the steps in registers (each through the elementwise table) and
/// stores one result.
/// </summary>
internal sealed class FusedElementwiseKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["FusedElementwise"];

    /// <summary>Every step's op must have a lowering in the table (the fusible ops of StandardOps all do).</summary>
    public string? CheckSupported(Node node, Graph graph)
        => node.Attributes.Get("steps")?.Strings.Select(s => StandardOps.ParseFusedStep(s).Op).FirstOrDefault(op => !ElementwiseLowering.Ops.ContainsKey(op)) is { } missing
            ? $"step op {missing} has no elementwise lowering"
            : null;

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var output = k.OutputType(0).Shape;
        var steps = k.Attributes.Get("steps")!.Strings.Select(StandardOps.ParseFusedStep).ToList();
        var strides = Enumerable.Range(0, k.Node.Inputs.Length).Select(i => BinaryKernel.BroadcastStrides(k.InputType(i).Shape, output)).ToArray();
        var (dims, coalesced) = BinaryKernel.Coalesce(output.Dims.ToArray(), strides);
        e.ParallelForEachIndex(dims, coalesced, (linear, offsets) => // large ones split over the workers
        {
            var inputs = offsets.Select((offset, i) => e.LoadF32(k.Input(i), offset)).ToArray();
            var results = new List<LValue>();
            foreach (var (op, operands) in steps)
            {
                var v = operands.Select(o => o.Step ? results[o.Index] : inputs[o.Index]).ToArray();
                results.Add(ElementwiseLowering.Get(op).Scalar(e, v, Attributes.Empty));
            }
            e.StoreF32(results[^1], k.Output(0), linear);
        }, k.OuterCount(0, dims));
    }
}
