using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// LayoutToBlocked and LayoutFromBlocked: [N, C, spatial…] ⇄ [N, C/4, spatial…, 4]. Each is one pass over the
/// tensor (four scalar reads and one vector write, or the reverse); the pass puts them only at the edges of blocked
/// regions, so a ResNet runs each once or twice.
/// </summary>
internal sealed class BlockedLayoutKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["LayoutToBlocked", "LayoutFromBlocked"];

    public IReadOnlySet<DataType> ElementTypes { get; } = new HashSet<DataType> { DataType.Float32 };

    public string? CheckSupported(Node node, Graph graph)
        => node.Attributes.GetInt("block") != BlockedConvKernel.Block ? $"only block {BlockedConvKernel.Block} is lowered" : null;

    public void Emit(KernelContext k)
    {
        var e = k.E;
        bool toBlocked = k.Node.Op == "LayoutToBlocked";
        const long block = BlockedConvKernel.Block;
        var plain = toBlocked ? k.InputType(0).Shape : k.OutputType(0).Shape;
        long plane = plain.ElementCount / (plain[0] * plain[1]);
        e.For(plain[0] * plain[1] / block, channelBlock =>
        {
            // Both layouts hold a channel block's block·plane floats in one run, so the block's base is the same.
            var blockBase = e.Mul(channelBlock, block * plane);
            e.For(plane, i =>
            {
                var plainAt = e.Add(blockBase, i);
                var vectorAt = e.Add(blockBase, e.Mul(i, block));
                if (toBlocked)
                {
                    var v = e.Ctx.Poison(e.Ctx.F32x4);
                    for (int lane = 0; lane < block; lane++)
                    {
                        v = e.B.InsertElement(v, e.LoadF32(k.Input(0), plainAt, lane * plane), e.I(lane));
                    }
                    e.StoreF32x4(v, k.Output(0), vectorAt);
                    return;
                }
                var vector = e.LoadF32x4(k.Input(0), vectorAt);
                for (int lane = 0; lane < block; lane++)
                {
                    e.StoreF32(e.B.ExtractElement(vector, e.I(lane)), k.Output(0), e.Add(plainAt, lane * plane));
                }
            });
        });
    }
}
