namespace WasmGraph.Apps.Zoo;

/// <summary>
/// ResNet-50 v1 as the ONNX model zoo's resnet50-v1 (exported from MXNet Gluon) lays it out, with the same value
/// names, so a user's real <c>resnet50v1.onnx</c> and this generated one look alike to every tool: input <c>data</c>
/// [1,3,224,224]; a 7×7/2 stem conv + BN + ReLU and 3×3/2 max pool; bottleneck stages of [3,4,6,3] blocks with widths
/// 256/512/1024/2048 (1×1 reduce, 3×3, 1×1 expand, BN after each conv; v1 puts the stride on the first 1×1); a 1×1
/// projection shortcut (conv + BN) on each stage's first block; global average pool, flatten and a 1000-way dense
/// layer, output <c>resnetv17_dense0_fwd</c> [1,1000].
/// </summary>
public static class ResNet50
{
    private const string Prefix = "resnetv17_";

    public static ZooGraph Build(int seed)
    {
        var graph = new ZooGraph("resnet50_v1");
        var l = new ZooLayers(graph, seed);
        var x = graph.Input("data", 1, 3, 224, 224);

        x = l.Conv(Prefix + "conv0_fwd", x, 3, 64, k: 7, stride: 2, pad: 3);
        x = l.BatchNorm(Prefix + "batchnorm0_fwd", x, 64);
        x = l.Relu(Prefix + "relu0_fwd", x);
        x = l.MaxPool(Prefix + "pool0_fwd", x, k: 3, stride: 2, pad: 1);

        int channels = 64;
        int[] blocks = [3, 4, 6, 3];
        for (int stage = 0; stage < blocks.Length; stage++)
        {
            int width = 64 << stage, outChannels = width * 4;
            var s = $"{Prefix}stage{stage + 1}_";
            int conv = 0, bn = 0, relu = 0;
            for (int block = 0; block < blocks[stage]; block++)
            {
                int stride = block == 0 && stage > 0 ? 2 : 1;
                var input = x;
                var y = l.Conv($"{s}conv{conv++}_fwd", input, channels, width, k: 1, stride: stride);
                y = l.Relu($"{s}relu{relu++}_fwd", l.BatchNorm($"{s}batchnorm{bn++}_fwd", y, width));
                y = l.Conv($"{s}conv{conv++}_fwd", y, width, width, k: 3, pad: 1);
                y = l.Relu($"{s}relu{relu++}_fwd", l.BatchNorm($"{s}batchnorm{bn++}_fwd", y, width));
                y = l.Conv($"{s}conv{conv++}_fwd", y, width, outChannels, k: 1);
                y = l.BatchNorm($"{s}batchnorm{bn++}_fwd", y, outChannels, gammaScale: 0.3f);
                if (block == 0)
                {
                    input = l.Conv($"{s}conv{conv++}_fwd", input, channels, outChannels, k: 1, stride: stride);
                    input = l.BatchNorm($"{s}batchnorm{bn++}_fwd", input, outChannels);
                }
                x = l.Relu($"{s}activation{block}", l.Add($"{s}elemwise_add{block}", y, input));
                channels = outChannels;
            }
        }

        x = l.GlobalAveragePool(Prefix + "pool1_fwd", x);
        x = l.Flatten(Prefix + "flatten0_reshape0", x);
        x = l.Dense(Prefix + "dense0_fwd", x, channels, 1000);
        graph.Output(x, 1, 1000);
        return graph;
    }
}
