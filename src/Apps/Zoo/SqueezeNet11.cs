namespace WasmGraph.Apps.Zoo;

/// <summary>
/// SqueezeNet 1.1 as torchvision defines it (no BatchNormalization, as in the original): a 3×3/2 stem to 64 channels;
/// eight fire modules (1×1 squeeze, then 1×1 and 3×3 expands concatenated on channels, ReLU after each conv) with
/// 3×3/2 max pools in ceil mode after the stem and after fires 2 and 4 (224 → 111 → 55 → 27 → 13); a 1×1 conv to 1000
/// classes, ReLU and global average pool. Input <c>data</c> [1,3,224,224], output <c>squeezenet0_flatten0_reshape0</c> [1,1000].
/// </summary>
public static class SqueezeNet11
{
    public static ZooGraph Build(int seed)
    {
        var graph = new ZooGraph("squeezenet1.1");
        var l = new ZooLayers(graph, seed);
        var x = graph.Input("data", 1, 3, 224, 224);

        x = l.Relu("conv0_relu", l.Conv("conv0", x, 3, 64, k: 3, stride: 2, bias: true));
        x = l.MaxPool("pool0", x, k: 3, stride: 2, ceil: true);
        int channels = 64;
        (int Squeeze, int Expand)[] fires = [(16, 64), (16, 64), (32, 128), (32, 128), (48, 192), (48, 192), (64, 256), (64, 256)];
        for (int i = 0; i < fires.Length; i++)
        {
            var (squeeze, expand) = fires[i];
            var p = $"fire{i + 1}_";
            var s = l.Relu(p + "squeeze_relu", l.Conv(p + "squeeze", x, channels, squeeze, k: 1, bias: true));
            var e1 = l.Relu(p + "expand1x1_relu", l.Conv(p + "expand1x1", s, squeeze, expand, k: 1, bias: true));
            var e3 = l.Relu(p + "expand3x3_relu", l.Conv(p + "expand3x3", s, squeeze, expand, k: 3, pad: 1, bias: true));
            x = l.Concat(p + "concat", e1, e3);
            channels = 2 * expand;
            if (i is 1 or 3)
            {
                x = l.MaxPool($"pool{i / 2 + 1}", x, k: 3, stride: 2, ceil: true);
            }
        }

        x = l.Relu("classifier_relu", l.Conv("classifier_conv", x, channels, 1000, k: 1, bias: true));
        x = l.Flatten("squeezenet0_flatten0_reshape0", l.GlobalAveragePool("classifier_pool", x));
        graph.Output(x, 1, 1000);
        return graph;
    }
}
